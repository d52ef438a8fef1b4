"""Clusters (presumed persons) of a case: the list, investigators' corrections (merge,
split, name), and promotion of a cluster to the gallery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from genkend.services import clusters, gallery
from genkend.web.api.models import (
    MAX_ID,
    ClusterOut,
    Label,
    Merge,
    NewClusterOut,
    PromotedOut,
    Promotion,
    Split,
)
from genkend.web.auth import Caller

router = APIRouter(tags=["clusters"])

ClusterId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id:case}/clusters", response_model=list[ClusterOut])
def list_clusters(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """One entry per cluster: id, label, confirmed, size and its face ids."""
    return clusters.list_clusters(session, case_id)


@router.post("/cases/{case_id:case}/clusters/merge", status_code=204, response_class=Response)
def merge(session: Caller, case_id: str, body: Merge) -> None:
    """The two clusters are one person: ``other``'s faces move into ``keep``."""
    clusters.merge(session, case_id, body.keep, body.other)


@router.post(
    "/cases/{case_id:case}/clusters/{cluster_id:int}/split",
    status_code=201,
    response_model=NewClusterOut,
)
def split(session: Caller, case_id: str, cluster_id: ClusterId, body: Split) -> dict[str, int]:
    """These faces are not the same person as the rest of the cluster: they leave into a
    new cluster, whose id is returned."""
    return {"cluster_id": clusters.split(session, case_id, cluster_id, body.face_ids)}


@router.post(
    "/cases/{case_id:case}/clusters/{cluster_id:int}/name",
    status_code=204,
    response_class=Response,
)
def name(session: Caller, case_id: str, cluster_id: ClusterId, body: Label) -> None:
    """Name and confirm a cluster."""
    clusters.name(session, case_id, cluster_id, body.label)


@router.post("/cases/{case_id:case}/clusters/{cluster_id:int}/promote", response_model=PromotedOut)
def promote(
    session: Caller, case_id: str, cluster_id: ClusterId, body: Promotion
) -> dict[str, int]:
    """Add the cluster's faces to the gallery as the identity ``label``; the face count."""
    return {"faces": gallery.promote(session, case_id, cluster_id, body.label, body.status)}
