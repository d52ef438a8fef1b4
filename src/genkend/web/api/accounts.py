"""Accounts and roles (admins). No password travels over the API: it is set with
``genkend user password NAME`` on standard input."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from genkend.services import accounts
from genkend.web.api.models import AccountOut, Name, NewAccount
from genkend.web.auth import Caller

router = APIRouter(tags=["accounts"])


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(session: Caller) -> list[dict[str, Any]]:
    """Every account and its roles."""
    return [a.as_dict() for a in accounts.list_accounts(session)]


@router.post("/accounts", status_code=201, response_model=AccountOut)
def add_account(session: Caller, body: NewAccount) -> dict[str, Any]:
    """A new account with ``roles``, without a password (admins)."""
    return accounts.add(session, body.name, [str(r) for r in body.roles]).as_dict()


@router.post("/accounts/{name}/disable", status_code=204, response_class=Response)
def disable(session: Caller, name: Name) -> None:
    """The account can no longer act; its history stays (admins)."""
    accounts.disable(session, name)
