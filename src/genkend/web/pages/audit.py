"""The auditor's pages: the trail viewer, the chain's verification, the usage report.

Auditors read every case's events; supervisors and admins those of their own cases (the
services scope them, and record each reading). These pages show text only, never an
image: an auditor sees no imagery.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from genkend.clock import utc_now
from genkend.report.usage import SECTIONS, cell_text
from genkend.services import audit, reports
from genkend.web.auth import Caller
from genkend.web.render import page

router = APIRouter()


@router.get("/audit")
def trail(
    request: Request,
    session: Caller,
    before: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    found = audit.newest(session, before, action or None)
    details = {
        e.seq: json.dumps(e.detail, indent=2, sort_keys=True, ensure_ascii=False)
        for e in found.events
    }
    return page(request, "audit.html", trail=found, details=details)


@router.get("/audit/verify")
def verify(
    request: Request,
    session: Caller,
    anchor: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    checked = audit.verify(session, anchor or None)
    return page(request, "audit_verify.html", check=checked, anchor=anchor or "")


@router.get("/audit/usage")
def usage(
    request: Request,
    session: Caller,
    start: Annotated[str | None, Query(max_length=40)] = None,
    end: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The report of a period (UTC days); without one, of this year so far."""
    today = utc_now().date()
    first, last = start or f"{today.year}-01-01", end or today.isoformat()
    made = reports.usage(session, first, last)
    return page(
        request,
        "audit_usage.html",
        report=made.report,
        start=first,
        end=last,
        sections=SECTIONS,
        cell=cell_text,
    )
