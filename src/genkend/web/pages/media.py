"""The triage grid, a media item's detail page, and its pictures.

Pictures are served blurred and greyscale (``view=blurred``) unless revealed, and a
reveal takes two requests: ``POST .../reveal`` calls ``media.reveal`` (the audited
``media.reveal`` event) and answers an ``<img>`` whose ``src`` names that event
(``reveal=<seq>``); ``GET .../picture?view=revealed&reveal=<seq>`` then serves the
pixels only if the service finds that reveal recent, the caller's own and of this item.
So no revealed picture can be fetched without its audited step, and fetching it writes
nothing more. Invariant: each handler makes one services call; pictures are
``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from genkend.services import media
from genkend.web.auth import Caller
from genkend.web.paths import case_segment, in_case
from genkend.web.render import page

router = APIRouter()

# The grid's filters as the page names them (the service checks the value).
FILTERS = (
    ("all", "All"),
    ("new", "New"),
    ("known", "Known"),
    ("categorised", "Categorised"),
    ("near_known", "Near-known"),
    ("non_pertinent", "Non-pertinent"),
    ("has_faces", "Has faces"),
    ("errors", "Errors"),
)
THUMBNAIL = 160  # grid cells
PICTURE = 256  # the detail page's picture
REVEAL_SIZES = (256, 512, 1024)


@router.get("/cases/{case_id:case}/media")
def media_grid(
    request: Request,
    session: Caller,
    case_id: str,
    filter: Annotated[str, Query(max_length=40)] = "all",
    after: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    shown = media.grid(session, case_id, filter=filter, after=after, limit=100)
    return page(
        request,
        "media_grid.html",
        case_id=case_id,
        grid=shown,
        filter=filter,
        filters=FILTERS,
        size=THUMBNAIL,
    )


@router.get("/cases/{case_id:case}/media/{media_id:int}")
def media_detail(request: Request, session: Caller, case_id: str, media_id: int) -> HTMLResponse:
    item = media.detail(session, media_id)
    in_case(case_id, item["case_id"], f"media {media_id}")
    return page(
        request,
        "media.html",
        case_id=case_id,
        item=item,
        boxes=_boxes(item),
        size=PICTURE,
        reveal_sizes=REVEAL_SIZES,
    )


def _boxes(item: dict[str, object]) -> list[dict[str, object]]:
    """The faces' boxes in percent of the picture (an SVG overlay draws them)."""
    width, height = item.get("width"), item.get("height")
    faces = item.get("faces")
    if not isinstance(width, int) or not isinstance(height, int) or not width or not height:
        return []
    drawn = []
    for face in faces if isinstance(faces, list) else []:
        x1, y1, x2, y2 = face["box"]
        drawn.append(
            {
                "id": face["id"],
                "cluster_id": face["cluster_id"],
                "x": round(100 * x1 / width, 3),
                "y": round(100 * y1 / height, 3),
                "w": round(100 * (x2 - x1) / width, 3),
                "h": round(100 * (y2 - y1) / height, 3),
            }
        )
    return drawn


@router.get("/cases/{case_id:case}/media/{media_id:int}/picture")
def media_picture(
    session: Caller,
    case_id: str,
    media_id: int,
    view: Annotated[str, Query(max_length=20)] = "blurred",
    size: int = PICTURE,
    reveal: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    shown = media.picture(session, media_id, view, size, reveal=reveal, in_case=case_id)
    return Response(shown.data, media_type=shown.mime, headers={"Cache-Control": "no-store"})


@router.post("/cases/{case_id:case}/media/{media_id:int}/reveal")
def reveal_media(
    request: Request,
    session: Caller,
    case_id: str,
    media_id: int,
    size: Annotated[int, Form()] = PICTURE,
) -> HTMLResponse:
    granted = media.reveal(session, media_id, max_side=size, in_case=case_id)
    src = (
        f"/cases/{case_segment(case_id)}/media/{media_id}/picture"
        f"?view=revealed&size={granted.max_side}&reveal={granted.reveal}"
    )
    response = page(request, "media_revealed.html", src=src, media_id=media_id)
    response.headers["HX-Trigger"] = "exposure"  # the header's counter reloads
    return response
