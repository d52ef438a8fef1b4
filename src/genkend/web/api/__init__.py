"""The JSON API under ``/api/v1``: one router per area, each handler one services call.

Resources of a case live under ``/api/v1/cases/{case_id}/...``. A handler returns what the
CLI's ``--json`` prints for the same use case, so a script reads one shape from both.
Every route answers 401 without a session or token; refusals, unknown ids and bad fields
are the errors of ``web.errors``, documented on every route.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter

from genkend.web.api import (
    accounts,
    audit,
    authorisations,
    cases,
    clusters,
    gallery,
    media,
    meta,
    review,
    signin,
    welfare,
)
from genkend.web.api.models import ERROR_RESPONSES

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX, responses=ERROR_RESPONSES)
AREAS = (
    signin,
    meta,
    cases,
    media,
    clusters,
    gallery,
    review,
    authorisations,
    accounts,
    audit,
    welfare,
)
for area in AREAS:
    router.include_router(area.router)

# The routes that take a file, whose body may be as large as web_max_upload_bytes.
UPLOADS = re.compile(re.escape(PREFIX) + gallery.UPLOAD_PATH)

__all__: list[Any] = ["UPLOADS", "router"]
