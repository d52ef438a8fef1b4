"""An account's credentials on the pages: its API tokens, and the caller's second factor.

A new API token is on the page that answers its issue and nowhere else: only its digest
is stored, and no page shows the digest. A TOTP secret is shown as its ``otpauth://``
URI (type it, or paste it, into an authenticator app) when it is enrolled, and counts
once confirmed with a code. Who may see, issue or revoke whose tokens is the services'
decision (one's own; an admin: list or revoke anyone's, issue only for an account in
no case).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import accounts, authentication
from genkend.web.auth import Caller
from genkend.web.render import page

router = APIRouter()


def _tokens_url(name: str) -> str:
    return f"/accounts/{quote(name, safe='')}/tokens"


@router.get("/accounts/{name}/tokens")
def list_tokens(request: Request, session: Caller, name: str) -> HTMLResponse:
    found = authentication.list_tokens(session, name)
    return page(request, "tokens.html", owner=name, tokens=found)


@router.post("/accounts/{name}/tokens")
def issue_token(
    request: Request,
    session: Caller,
    name: str,
    label: Annotated[str, Form(min_length=1, max_length=200)],
    days: Annotated[int, Form(ge=1, le=3650)] = 90,
) -> HTMLResponse:
    """The one answer that shows the new token: not a redirect, so no later page can."""
    token = authentication.issue_token(session, name, label, days)
    return page(request, "token_issued.html", owner=name, label=label, days=days, token=token)


@router.post("/accounts/{name}/tokens/{token_id:int}/revoke")
def revoke_token(session: Caller, name: str, token_id: int) -> RedirectResponse:
    authentication.revoke_token(session, name, token_id)
    return RedirectResponse(_tokens_url(name), status_code=303)


@router.get("/account/totp")
def second_factor(request: Request, session: Caller, confirmed: bool = False) -> HTMLResponse:
    me = accounts.whoami(session)
    return page(request, "totp.html", me=me, uri=None, confirmed=confirmed)


@router.post("/account/totp")
def enrol(request: Request, session: Caller) -> HTMLResponse:
    """A new secret for the caller, shown on this answer only."""
    uri = authentication.enrol_totp(session, session.actor.name)
    return page(request, "totp.html", me=None, uri=uri, confirmed=False)


@router.post("/account/totp/confirm")
def confirm(
    session: Caller, code: Annotated[str, Form(min_length=6, max_length=6, pattern=r"^\d{6}$")]
) -> RedirectResponse:
    authentication.confirm_totp(session, session.actor.name, code)
    return RedirectResponse("/account/totp?confirmed=1", status_code=303)
