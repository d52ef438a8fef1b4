"""Domain errors as HTTP answers: one table, used by the API (JSON) and the pages (HTML).

A ``GenkendError`` becomes the status of its kind and a body that says what went wrong
in the domain's words, ``{"error": {"kind": ..., "message": ..., "field": ...}}``; the
pages show the same message on an error page. ``SignInRequired`` (no valid session or
token) is 401 for the API and, for a page, 401 with the sign-in form.

Invariant: a refusal never reveals more than the service's message does; anything that
is not a ``GenkendError`` is a bug and is a 500 without details.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from genkend import errors
from genkend.web.render import error_page, sign_in_page

STATUS: list[tuple[type[errors.GenkendError], int, str]] = [
    (errors.AuthenticationFailed, 401, "authentication_failed"),
    (errors.PermissionDenied, 403, "permission_denied"),
    (errors.NotFound, 404, "not_found"),
    (errors.AlreadyExists, 409, "already_exists"),
    (errors.InvalidField, 422, "invalid_field"),
    (errors.UsageError, 400, "bad_request"),
    (errors.MediaError, 422, "media_error"),
    (errors.EvidenceError, 409, "evidence_error"),
    (errors.StoreUnavailable, 503, "store_unavailable"),
]


class SignInRequired(Exception):
    """No valid session cookie or API token came with the request."""


class TooManyAttempts(Exception):
    """Sign-in attempts from one client address came too fast (429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; try again in {retry_after} s")
        self.retry_after = retry_after


def status_of(exc: errors.GenkendError) -> tuple[int, str]:
    for kind, status, name in STATUS:
        if isinstance(exc, kind):
            return status, name
    return 400, "error"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(kind: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"kind": kind, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.GenkendError)
    status, kind = status_of(exc)
    field = exc.field if isinstance(exc, errors.InvalidField) else None
    if is_api(request):
        return JSONResponse(error_body(kind, str(exc), field), status_code=status)
    return error_page(request, status, str(exc))


async def on_sign_in_required(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse(
            error_body("sign_in_required", "sign in, or send an API token"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return sign_in_page(request, status=401)


async def on_too_many_attempts(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TooManyAttempts)
    headers = {"Retry-After": str(exc.retry_after)}
    if is_api(request):
        body = error_body("too_many_attempts", str(exc))
        return JSONResponse(body, status_code=429, headers=headers)
    response = sign_in_page(request, status=429, message=str(exc))
    response.headers.update(headers)
    return response


HTTP_KINDS = {404: "not_found", 405: "method_not_allowed"}


async def on_http_error(request: Request, exc: Exception) -> Response:
    """The router's own answers (no such route, method not allowed) in the API's error
    body, so that every API answer has the shape the document declares."""
    assert isinstance(exc, HTTPException)
    if not is_api(request):
        return await http_exception_handler(request, exc)
    kind = HTTP_KINDS.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg", "")}
        for e in exc.errors()
    ]
    message = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems)
    if is_api(request):
        body = error_body("invalid_request", message or "invalid request")
        body["error"]["problems"] = problems
        return JSONResponse(body, status_code=422)
    return error_page(request, 422, message or "invalid request")
