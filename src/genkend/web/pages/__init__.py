"""The server-rendered pages: one router per area, each handler one services call.

Pages are plain HTML from ``templates/`` with a little htmx (vendored in ``static/``, no
inline script: the CSP forbids it). A page that is not signed in redirects to
``/login``; a refusal is an error page with the service's message.
"""

from __future__ import annotations

import re

from fastapi import APIRouter

from genkend.web.pages import (
    accounts,
    audit,
    authorisations,
    candidates,
    cases,
    clusters,
    credentials,
    face_pictures,
    media,
    members,
    search,
    signin,
    welfare,
)

router = APIRouter(include_in_schema=False)
for area in (
    signin,
    cases,
    media,
    welfare,
    clusters,
    search,
    candidates,
    face_pictures,
    authorisations,
    members,
    accounts,
    credentials,
    audit,
):
    router.include_router(area.router)

# The pages that take a file (the gallery search's probe photo): web_max_upload_bytes.
UPLOADS = re.compile(search.UPLOAD_PATH)

__all__ = ["UPLOADS", "router"]
