"""``create_app(workspace)``: the whole application for one workspace.

Built anew on each call, from the workspace's settings; nothing is made at import time,
so tests and ``genkend serve`` build as many independent apps as they like. Interactive
API pages (Swagger UI) are not served: they load scripts from a CDN. The OpenAPI document
is at ``/api/v1/openapi.json``, for signed-in callers, like every other route.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from genkend.errors import GenkendError
from genkend.web import api, pages, render
from genkend.web.errors import (
    SignInRequired,
    TooManyAttempts,
    on_domain_error,
    on_http_error,
    on_invalid_request,
    on_sign_in_required,
    on_too_many_attempts,
)
from genkend.web.security import Hardening, Throttle
from genkend.workspace import Workspace

STATIC = Path(__file__).parent / "static"


def create_app(workspace: Workspace) -> FastAPI:
    """The API under ``/api/v1``, the pages, and the static assets, for ``workspace``."""
    settings = workspace.settings
    app = FastAPI(
        title="genkend",
        version=version("genkend"),
        summary="Victim identification workbench: the team application's API.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.workspace = workspace
    app.state.templates = render.templates()
    app.state.sign_in_throttle = Throttle(settings.web_sign_in_attempts_per_minute)
    app.add_middleware(
        Hardening,
        max_body=settings.web_max_body_bytes,
        max_upload=settings.web_max_upload_bytes,
        uploads=api.UPLOADS,
    )
    app.add_exception_handler(GenkendError, on_domain_error)
    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(TooManyAttempts, on_too_many_attempts)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(HTTPException, on_http_error)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
