"""Oversight: the audit trail's events, the verification of its hash chain, and the
usage report of a period (JSON only; the HTML report is the CLI's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from genkend.services import audit, reports
from genkend.web.api.models import MAX_ID, AuditEventOut, ChainCheckOut, UsageOut
from genkend.web.auth import Caller

router = APIRouter(tags=["audit"])


@router.get("/audit/events", response_model=list[AuditEventOut])
def events(
    session: Caller,
    since: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    """Events after ``since``, optionally of one action (or prefix, ``case.*``): auditors
    see all, supervisors and admins those of their cases. Reading is itself audited."""
    return [e.as_dict() for e in audit.show(session, since, action)]


@router.get("/audit/verify", response_model=ChainCheckOut)
def verify(
    session: Caller, anchor: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    """Walk the hash chain (from an earlier head ``SEQ:DIGEST`` if given) and check every
    recorded biometric search; ``ok`` is false naming the first bad event."""
    return audit.verify(session, anchor).as_dict()


@router.get("/reports/usage", response_model=UsageOut)
def usage(
    session: Caller,
    start: Annotated[str, Query(max_length=40)],
    end: Annotated[str, Query(max_length=40)],
) -> dict[str, Any]:
    """Searches, refusals, identifications, denials, exports and erasures of a period
    (first and last day, or ISO times)."""
    return reports.usage(session, start, end).report
