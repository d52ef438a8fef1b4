"""The gallery consulted on behalf of a case, and the 1:N face search with a probe photo.

The probe photo arrives as a multipart upload (bounded by the setting
``web_max_upload_bytes``, applied to this route alone by ``security.Hardening``). It is
written inside the workspace (``spool_dir``) for the search to read, and removed when the
search is over, whatever its outcome: nothing of it stays on the server but the audit
event's digest. (While the request is parsed, Starlette holds an upload in memory up to
1 MiB and beyond that in an anonymous temporary file of the system's temporary folder,
gone when the request ends: a deployment points ``TMPDIR`` at the workspace's volume.)
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from genkend.services import gallery, search
from genkend.web.api.models import IdentityOut, SearchOut
from genkend.web.auth import Caller
from genkend.web.paths import CASE_SEGMENT

router = APIRouter(tags=["gallery"])

CHUNK = 1 << 16
UPLOAD_PATH = f"/cases/{CASE_SEGMENT}/search/face"  # see web_max_upload_bytes


@router.get("/cases/{case_id:case}/gallery", response_model=list[IdentityOut])
def consult(
    session: Caller,
    case_id: str,
    purpose: Annotated[str, Query(max_length=500)],
    legal_basis: Annotated[str, Query(max_length=500)],
) -> list[dict[str, Any]]:
    """Every gallery identity with its status and face count, read on behalf of the case
    for ``purpose`` under ``legal_basis`` (audited)."""
    return gallery.consult(session, case_id, purpose, legal_basis)


@router.post("/cases/{case_id:case}/search/face", response_model=SearchOut)  # UPLOAD_PATH
def search_face(
    session: Caller,
    case_id: str,
    image: Annotated[UploadFile, File(description="The probe photo.")],
    purpose: Annotated[str, Form(max_length=500)],
    legal_basis: Annotated[str, Form(max_length=500)],
    in_gallery: Annotated[bool, Form()] = False,
    all_cases: Annotated[bool, Form()] = False,
    k: Annotated[int, Form(ge=1, le=1000)] = 10,
    max_distance: Annotated[float | None, Form(gt=0, le=4, allow_inf_nan=False)] = None,
) -> dict[str, Any]:
    """Rank candidates for the largest face of the probe photo: linked within the case
    (or every case of the caller, ``all_cases``), or identified against the gallery
    (``in_gallery``, under the case's valid authorisation). The result as
    ``genkend search face --json`` prints it."""
    probe = _spooled(session.workspace.spool_dir, image)
    try:
        return search.face(
            session,
            probe,
            case_id,
            purpose,
            legal_basis,
            in_gallery,
            all_cases,
            k,
            max_distance,
        ).as_dict()
    finally:
        probe.unlink(missing_ok=True)


def _spooled(spool: Path, upload: UploadFile) -> Path:
    """The upload's bytes in a new file of the workspace's spool folder."""
    suffix = Path(upload.filename or "").suffix.lower()
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
    path = spool / f"web-probe-{secrets.token_hex(8)}{suffix}"
    with path.open("xb") as out:
        try:
            while chunk := upload.file.read(CHUNK):
                out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return path
