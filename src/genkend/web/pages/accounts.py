"""Accounts and roles (admins): the list, adding an account, disabling one, and the
roles whose accounts must sign in with a second factor.

Passwords never pass through these pages: an account's password is set with
``genkend user password NAME`` (standard input). The services decide who may.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from genkend.services import accounts, administration, authentication
from genkend.web.auth import Caller
from genkend.web.render import page

router = APIRouter()


@router.get("/accounts")
def list_accounts(request: Request, session: Caller) -> HTMLResponse:
    return page(request, "accounts.html", overview=administration.overview(session))


@router.post("/accounts")
def add_account(
    session: Caller,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    roles: Annotated[list[str], Form(max_length=5)],
) -> RedirectResponse:
    accounts.add(session, name, roles)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{name}/disable")
def disable_account(session: Caller, name: str) -> RedirectResponse:
    accounts.disable(session, name)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/mfa")
def require_mfa(
    session: Caller,
    role: Annotated[str, Form(max_length=40)],
    required: Annotated[bool, Form()],
) -> RedirectResponse:
    authentication.require_mfa(session, role, required)
    return RedirectResponse("/accounts", status_code=303)
