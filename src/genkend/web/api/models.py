"""The shapes the API documents: the error body every route may answer with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    kind: str
    message: str
    field: str | None = None
    problems: list[dict[str, str]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "No valid session or API token"),
        (403, "Refused: role, case membership, authorisation or CSRF token"),
        (404, "No such case, media item, face, ..."),
        (409, "Conflict: exists already, or the evidence changed"),
        (413, "Request body too large"),
        (422, "A field has a bad value"),
        (429, "Too many sign-in attempts"),
    )
}
