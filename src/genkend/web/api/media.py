"""Media and faces of a case: the list (by triage status), one media item, the faces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from genkend.services import faces, media
from genkend.web.api.models import MAX_ID, MediaStatus
from genkend.web.auth import Caller

router = APIRouter(tags=["media"])

MediaId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id:case}/media")
def list_media(
    session: Caller, case_id: str, status: Annotated[MediaStatus | None, Query()] = None
) -> list[dict[str, Any]]:
    """One entry per distinct file content, with every location and hit; optionally only
    those of one triage ``status``."""
    return media.list_media(session, case_id, status)


@router.get("/cases/{case_id:case}/media/{media_id:int}")
def show_media(session: Caller, case_id: str, media_id: MediaId) -> dict[str, Any]:
    """Everything known about one file content of the case: hashes, every location in
    the evidence, EXIF, hash-set hits and look-alikes."""
    return media.show_in_case(session, case_id, media_id)


@router.get("/cases/{case_id:case}/faces")
def list_faces(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """Every face: id, media, location, box, landmarks, score, quality, cluster, backend."""
    return faces.list_faces(session, case_id)
