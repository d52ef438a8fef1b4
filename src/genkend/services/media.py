"""Media of a case: each distinct file content found in its evidence, with its hashes,
every location it was found at, and its hash-set hits and look-alikes.

Reading media is consultation of case content: members only (need-to-know).
"""

from __future__ import annotations

from typing import Any

from genkend.errors import NotFound
from genkend.governance import cases
from genkend.governance.access import CONTENT_ROLES
from genkend.hashes import catalog
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session


def _case_of_media(session: Session, media_id: int) -> str:
    with session.store.read() as conn:
        return catalog.case_of(conn, media_id)


@service("media list", CONTENT_ROLES, case="case_id")
def list_media(session: Session, case_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """The case's media, optionally only those of one triage ``status``."""
    with session.store.read() as conn:
        cases.get(conn, case_id)  # an erased case has no media to list
        return [
            m
            for m in catalog.list_media(conn, case_id)
            if status is None or m.get("status") == status
        ]


@service("media show", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def show(session: Session, media_id: int) -> dict[str, Any]:
    """Everything known about one file content."""
    with session.store.read() as conn:
        return catalog.show_media(conn, media_id)


@service("media show", CONTENT_ROLES, case="case_id")
def show_in_case(session: Session, case_id: str, media_id: int) -> dict[str, Any]:
    """Everything known about one file content of ``case_id``: an item of another case
    is not found there (the web's ``/cases/{case_id}/media/{media_id}``)."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        if catalog.case_of(conn, media_id) != case_id:
            raise NotFound(f"media {media_id} is not in case {case_id}")
        return catalog.show_media(conn, media_id)
