"""Signing in and out through the API: a session cookie for a browser-based client.

Scripts use API tokens instead (``genkend user token``, ``Authorization: Bearer``).
The sign-in takes JSON only: a cross-site HTML form cannot send it, and no other origin
may (the server answers no CORS request).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from genkend.web import auth
from genkend.web.auth import Caller

router = APIRouter(tags=["sign-in"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    totp_code: str | None = Field(default=None, max_length=16)


class SignedInBody(BaseModel):
    account: str
    csrf_token: str
    expires_at: str


@router.post("/login", response_model=SignedInBody)
def login(request: Request, credentials: Credentials) -> JSONResponse:
    """Sign in with a password (and the second factor's code where required): sets the
    session cookie and returns the CSRF token that state-changing requests must send in
    ``X-CSRF-Token``."""
    signed = auth.sign_in(
        request, credentials.username, credentials.password, credentials.totp_code
    )
    body = SignedInBody(
        account=signed.account, csrf_token=signed.csrf_token, expires_at=signed.expires_at
    )
    response = JSONResponse(body.model_dump())
    auth.set_session_cookie(response, signed)
    return response


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, session: Caller) -> Response:
    """End the caller's session (with its CSRF token) and clear the cookie."""
    auth.sign_out(request)
    response = Response(status_code=204)  # no body at all: a 204 may not carry one
    auth.clear_session_cookie(response)
    return response
