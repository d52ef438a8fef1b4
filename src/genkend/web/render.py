"""HTML from templates: the pages' one way to answer.

Templates live in ``templates/`` and are rendered with autoescaping, so every value from
the store or the evidence (file names, titles, notes) is text, never markup. Each page
gets the signed-in account, its CSRF token (for forms and htmx requests) and
``case_url`` for links to a case's pages.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from genkend.web.paths import case_segment

TEMPLATES = Path(__file__).parent / "templates"


def templates() -> Jinja2Templates:
    made = Jinja2Templates(directory=str(TEMPLATES))
    made.env.autoescape = True
    made.env.filters["case"] = case_segment
    return made


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``templates/name`` rendered for the signed-in caller."""
    identity = getattr(request.state, "identity", None)
    values = {
        "account": identity.account if identity else None,
        "csrf_token": identity.csrf_token if identity else None,
        **context,
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, values, status_code=status
    )
    return response


LOGIN_COOKIE = "genkend_login"


def sign_in_page(
    request: Request, status: int = 200, message: str | None = None, username: str = ""
) -> HTMLResponse:
    """The sign-in form, with a fresh double-submit token in a cookie and in the form:
    a cross-site form cannot read the cookie, so it cannot send a matching field."""
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "signin.html",
        status=status,
        login_token=token,
        message=message,
        username=username,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=900,
        httponly=True,
        secure=True,
        samesite="strict",
        path="/login",
    )
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status=status, status_code=status, message=message)
