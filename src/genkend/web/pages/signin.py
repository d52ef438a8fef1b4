"""Signing in and out of the pages.

The sign-in form carries a double-submit token (``render.sign_in_page``): a page of
another origin cannot read the cookie, so it cannot post a matching field, and so it
cannot sign a browser into an account of its choosing (login CSRF).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genkend.errors import AuthenticationFailed
from genkend.web import auth
from genkend.web.auth import Caller
from genkend.web.render import LOGIN_COOKIE, error_page, sign_in_page

router = APIRouter()


@router.get("/login")
def sign_in_form(request: Request) -> HTMLResponse:
    return sign_in_page(request)


@router.post("/login")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    totp_code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return error_page(request, 403, "this sign-in did not come from the sign-in page")
    try:
        signed = auth.sign_in(request, username, password, totp_code)
    except AuthenticationFailed as refusal:
        return sign_in_page(request, status=401, message=str(refusal), username=username)
    response = RedirectResponse("/cases", status_code=303)
    auth.set_session_cookie(response, signed)
    response.delete_cookie(LOGIN_COOKIE, path="/login", secure=True, httponly=True)
    return response


@router.post("/logout")
def sign_out(request: Request, session: Caller) -> RedirectResponse:
    auth.sign_out(request)
    response = RedirectResponse("/login", status_code=303)
    auth.clear_session_cookie(response)
    return response
