"""The API about itself: its OpenAPI document, and who the caller is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from genkend.services import accounts
from genkend.web.auth import Caller

router = APIRouter(tags=["meta"])


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, session: Caller) -> dict[str, Any]:
    """The OpenAPI document of this API (signed-in callers only, like every route)."""
    accounts.whoami(session)
    document: dict[str, Any] = request.app.openapi()
    return document


@router.get("/me")
def me(session: Caller) -> dict[str, Any]:
    """The calling account and its roles."""
    return accounts.whoami(session).as_dict()
