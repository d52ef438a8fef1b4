"""Reviewer welfare: the caller's exposure to imagery today, and taking a break."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from genkend.services import welfare
from genkend.web.auth import Caller

router = APIRouter(tags=["welfare"])


@router.get("/me/exposure")
def exposure(session: Caller) -> dict[str, Any]:
    """How many pictures and faces the caller revealed today (UTC), since their last
    break, and whether the break reminder is due."""
    return asdict(welfare.exposure(session))


@router.post("/me/break")
def take_break(session: Caller) -> dict[str, Any]:
    """Record that the caller takes a break; their exposure after it."""
    return asdict(welfare.take_break(session))
