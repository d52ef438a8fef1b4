"""The JSON API under ``/api/v1``: one router per area, each handler one services call.

Resources of a case live under ``/api/v1/cases/{case_id}/...``. A handler returns what the
CLI's ``--json`` prints for the same use case, so a script reads one shape from both.
Every route answers 401 without a session or token; refusals, unknown ids and bad fields
are the errors of ``web.errors``, documented on every route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from genkend.web.api import cases, meta, signin
from genkend.web.api.models import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for area in (signin, meta, cases):
    router.include_router(area.router)

__all__: list[Any] = ["router"]
