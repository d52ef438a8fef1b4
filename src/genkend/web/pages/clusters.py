"""A case's clusters (presumed persons): the list, one cluster's faces, and the
investigators' corrections (merge, split, name) and promotion to the gallery.

Each face is shown small, greyscale and blurred (``faces`` pages serve the pictures);
every form posts to one service and redirects back (post/redirect/get).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import clusters, gallery
from genkend.web.auth import Caller
from genkend.web.paths import case_segment
from genkend.web.render import page

router = APIRouter()


def _cluster_url(case_id: str, cluster_id: int) -> str:
    return f"/cases/{case_segment(case_id)}/clusters/{cluster_id}"


@router.get("/cases/{case_id:case}/clusters")
def cluster_list(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    found = clusters.list_clusters(session, case_id)
    return page(request, "clusters.html", case_id=case_id, clusters=found)


@router.get("/cases/{case_id:case}/clusters/{cluster_id:int}")
def cluster_page(request: Request, session: Caller, case_id: str, cluster_id: int) -> HTMLResponse:
    shown = clusters.show(session, case_id, cluster_id)
    return page(request, "cluster.html", case_id=case_id, shown=shown)


@router.post("/cases/{case_id:case}/clusters/{cluster_id:int}/merge")
def merge(
    session: Caller, case_id: str, cluster_id: int, other: Annotated[int, Form()]
) -> RedirectResponse:
    clusters.merge(session, case_id, keep=cluster_id, other=other)
    return RedirectResponse(_cluster_url(case_id, cluster_id), status_code=303)


@router.post("/cases/{case_id:case}/clusters/{cluster_id:int}/split")
def split(
    session: Caller,
    case_id: str,
    cluster_id: int,
    face_ids: Annotated[list[int], Form(max_length=10_000)],
) -> RedirectResponse:
    made = clusters.split(session, case_id, cluster_id, face_ids)
    return RedirectResponse(_cluster_url(case_id, made), status_code=303)


@router.post("/cases/{case_id:case}/clusters/{cluster_id:int}/name")
def name(
    session: Caller,
    case_id: str,
    cluster_id: int,
    label: Annotated[str, Form(max_length=200)],
) -> RedirectResponse:
    clusters.name(session, case_id, cluster_id, label)
    return RedirectResponse(_cluster_url(case_id, cluster_id), status_code=303)


@router.post("/cases/{case_id:case}/clusters/{cluster_id:int}/promote")
def promote(
    session: Caller,
    case_id: str,
    cluster_id: int,
    label: Annotated[str, Form(max_length=200)],
    status: Annotated[str, Form(max_length=30)] = "unidentified_series",
) -> RedirectResponse:
    gallery.promote(session, case_id, cluster_id, label, status)
    return RedirectResponse(_cluster_url(case_id, cluster_id) + "?promoted=1", status_code=303)
