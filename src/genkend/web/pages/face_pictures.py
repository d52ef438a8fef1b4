"""Face pictures on the review pages: a case face's crop and the faces of the gallery
identity a candidate proposes, greyscale and blurred unless revealed.

Revealing is a deliberate button per face (an htmx POST): it asks the service for the
face (blurred, the smallest size: so the service checks the caller may see it, and
writes nothing) and answers with the ``<img>`` of the revealed picture. Loading that
picture is the reveal: the service writes its ``face.reveal`` audit event before the
pixels leave, one event per face revealed. Pictures are ``no-store`` (``Hardening``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from genkend.hashes.pictures import MIN_SIDE, Picture
from genkend.services import comparison, faces
from genkend.web.auth import Caller
from genkend.web.paths import case_segment
from genkend.web.render import page

router = APIRouter()

View = Annotated[str, Query(max_length=10)]
Size = Annotated[int, Query()]
REVEALED = {"HX-Trigger": "exposure"}  # the exposure counter in the header bar refreshes


def _jpeg(shown: Picture) -> Response:
    return Response(shown.data, media_type=shown.mime)


@router.get("/cases/{case_id:case}/faces/{face_id:int}/picture")
def face_picture(
    session: Caller, case_id: str, face_id: int, view: View = "blurred", size: Size = 128
) -> Response:
    return _jpeg(faces.face_picture(session, face_id, view, size, case_id))


@router.post("/cases/{case_id:case}/faces/{face_id:int}/reveal")
def reveal_face(
    request: Request, session: Caller, case_id: str, face_id: int, size: Size = 128
) -> HTMLResponse:
    faces.face_picture(session, face_id, "blurred", MIN_SIDE, case_id)
    src = f"/cases/{case_segment(case_id)}/faces/{face_id}/picture?view=revealed&size={size}"
    made = page(request, "_revealed.html", src=src, element=f"face-{face_id}", size=size)
    made.headers.update(REVEALED)
    return made


def _gallery_face(case_id: str, candidate_id: int, gallery_face_id: int) -> str:
    return (
        f"/cases/{case_segment(case_id)}/candidates/{candidate_id}/gallery-faces/{gallery_face_id}"
    )


@router.get(
    "/cases/{case_id:case}/candidates/{candidate_id:int}/gallery-faces/{gallery_face_id:int}/picture"
)
def gallery_face_picture(
    session: Caller,
    case_id: str,
    candidate_id: int,
    gallery_face_id: int,
    view: View = "blurred",
    size: Size = 128,
) -> Response:
    shown = comparison.gallery_face_picture(
        session, candidate_id, gallery_face_id, view, size, case_id
    )
    return _jpeg(shown)


@router.post(
    "/cases/{case_id:case}/candidates/{candidate_id:int}/gallery-faces/{gallery_face_id:int}/reveal"
)
def reveal_gallery_face(
    request: Request,
    session: Caller,
    case_id: str,
    candidate_id: int,
    gallery_face_id: int,
    size: Size = 128,
) -> HTMLResponse:
    comparison.gallery_face_picture(
        session, candidate_id, gallery_face_id, "blurred", MIN_SIDE, case_id
    )
    base = _gallery_face(case_id, candidate_id, gallery_face_id)
    src = f"{base}/picture?view=revealed&size={size}"
    element = f"gallery-face-{gallery_face_id}"
    made = page(request, "_revealed.html", src=src, element=element, size=size)
    made.headers.update(REVEALED)
    return made
