"""The team application: a FastAPI server with a JSON API and server-rendered pages.

``create_app(workspace)`` builds the whole application for one workspace; nothing is
created at import time. The web is a shell like the CLI: a handler learns who acts
(``auth``: session cookie or API token), calls one use case in ``genkend.services`` and
renders its result as JSON (``api/``) or HTML (``pages/``). Every access decision is the
service's; the server's own part is authentication, CSRF, security headers and limits
(``security``).
"""

from __future__ import annotations

from genkend.web import paths  # noqa: F401  (first: routes use its {case_id:case})
from genkend.web.app import create_app

__all__ = ["create_app"]
