"""Cases: the caller's cases, and one case with its evidence sources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from genkend.services import cases
from genkend.web.auth import Caller

router = APIRouter(tags=["cases"])


@router.get("/cases")
def list_cases(session: Caller) -> list[dict[str, Any]]:
    """The caller's cases (auditors and admins: every case)."""
    return [c.as_dict() for c in cases.list_cases(session)]


@router.get("/cases/{case_id:case}")
def show_case(session: Caller, case_id: str) -> dict[str, Any]:
    """One case with its evidence sources."""
    return cases.show(session, case_id).as_dict()
