"""Gallery search: the form (probe photo, purpose, legal basis, k, maximum distance)
with the authorisation the search would run under, and the candidates it proposed.

The probe may be as large as the setting ``web_max_upload_bytes`` (``UPLOAD_PATH``;
other pages keep ``web_max_body_bytes``). It is written inside the workspace's spool
folder under a name of our own and removed when the search is done, whatever its
outcome; the search service validates, refuses (audited as ``search.refused``) and
records the search.
"""

from __future__ import annotations

import math
import re
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from genkend.errors import InvalidField
from genkend.services import authorisations, search
from genkend.web.auth import Caller
from genkend.web.paths import CASE_SEGMENT
from genkend.web.render import page

router = APIRouter()

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_CHUNK = 1 << 20
UPLOAD_PATH = f"/cases/{CASE_SEGMENT}/search"  # its body may be web_max_upload_bytes


@router.get("/cases/{case_id:case}/search")
def search_form(request: Request, session: Caller, case_id: str) -> HTMLResponse:
    standing = authorisations.current(session, case_id)
    return page(request, "search.html", case_id=case_id, standing=standing)


@router.post("/cases/{case_id:case}/search")
def run_search(
    request: Request,
    session: Caller,
    case_id: str,
    probe: Annotated[UploadFile | None, File()] = None,
    purpose: Annotated[str, Form(max_length=500)] = "",
    legal_basis: Annotated[str, Form(max_length=500)] = "",
    k: Annotated[int, Form(ge=1, le=100)] = 10,
    max_distance: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    """A missing photo, purpose or legal basis reaches the service, which refuses it."""
    distance = _distance(max_distance)
    spooled = _spool(session.workspace.spool_dir, probe)
    try:
        result = search.face(
            session,
            spooled,
            case_id,
            purpose,
            legal_basis,
            in_gallery=True,
            k=k,
            max_distance=distance,
        )
    finally:
        spooled.unlink(missing_ok=True)
    return page(request, "search_result.html", case_id=case_id, result=result)


def _distance(text: str) -> float | None:
    """The form's maximum distance; empty: the setting's."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidField("max_distance", "must be a number")
    return value


def _spool(folder: Path, probe: UploadFile | None) -> Path:
    """The upload's bytes in a new file of the spool folder (empty without an upload);
    only the upload's suffix is kept from its name."""
    name = probe.filename if probe is not None and probe.filename else ""
    suffix = match.group(0).lower() if (match := _SUFFIX.search(name)) else ""
    path = folder / f"probe-{secrets.token_hex(12)}{suffix}"
    with path.open("xb") as out:
        path.chmod(0o600)
        while probe is not None and (chunk := probe.file.read(_CHUNK)):
            out.write(chunk)
    return path
