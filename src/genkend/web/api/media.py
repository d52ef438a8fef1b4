"""Media and faces of a case: the triage grid's pages, one media item, the faces.

The media list is paged by keyset (media id): a page answers ``next_after``, the
``after`` of the next page (``null`` on the last), so paging stays fast on a case of
500,000 items and every item passing the filter is on exactly one page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from genkend.services import faces, media
from genkend.web.api.models import MAX_ID, GridFilter, MediaOut, MediaPageOut
from genkend.web.auth import Caller

router = APIRouter(tags=["media"])

MediaId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id:case}/media", response_model=MediaPageOut)
def grid(
    session: Caller,
    case_id: str,
    filter_: Annotated[GridFilter, Query(alias="filter")] = "all",
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """One page of the triage grid: the case's media past id ``after`` that pass
    ``filter`` (``all``, ``new``, ``known``, ``categorised``, ``near_known``,
    ``has_faces``, ``errors``), by media id, at most ``limit``; ``next_after`` is where
    the next page starts."""
    return media.grid(session, case_id, filter_, after, limit).as_dict()


@router.get("/cases/{case_id:case}/media/{media_id:int}", response_model=MediaOut)
def show_media(session: Caller, case_id: str, media_id: MediaId) -> dict[str, Any]:
    """Everything known about one file content of the case: hashes, every location in
    the evidence, EXIF, hash-set hits and look-alikes."""
    return media.show_in_case(session, case_id, media_id)


@router.get("/cases/{case_id:case}/faces")
def list_faces(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """Every face: id, media, location, box, landmarks, score, quality, cluster, backend."""
    return faces.list_faces(session, case_id)
