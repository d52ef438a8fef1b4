"""The reviewer's exposure counter in every page's header, and taking a break.

``GET /welfare/exposure`` is an htmx fragment (``#exposure`` in base.html, reloaded on
the ``exposure`` event a reveal answers with): today's reveals of the caller and, when
a break is due, a reminder with a button. ``POST /welfare/break`` records the break
and answers the fragment again (htmx) or goes back to the case list (a plain form).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genkend.services import welfare
from genkend.web.auth import Caller
from genkend.web.render import page

router = APIRouter()


@router.get("/welfare/exposure")
def exposure(request: Request, session: Caller) -> HTMLResponse:
    return page(request, "welfare_exposure.html", seen=welfare.exposure(session))


@router.post("/welfare/break")
def take_break(request: Request, session: Caller) -> Response:
    seen = welfare.take_break(session)
    if request.headers.get("HX-Request") == "true":
        return page(request, "welfare_exposure.html", seen=seen)
    return RedirectResponse("/cases", status_code=303)
