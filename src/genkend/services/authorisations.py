"""Authorisations for gallery searches: supervisors of a case record them and their refusal.

A refused authorisation stops the searches made under it and marks their candidates for
deletion. The list of a case's authorisations is oversight (auditors for every case,
supervisors and admins for their own cases).
"""

from __future__ import annotations

from typing import Any

from genkend.errors import NotFound
from genkend.governance import authorisations
from genkend.governance.access import AUDITORS, OVERSIGHT, SUPERVISORS
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session


def _case_of_authorisation(session: Session, auth_id: int) -> str:
    with session.store.read() as conn:
        return authorisations.case_of(conn, auth_id)


@service("authorisation grant", SUPERVISORS, case="case_id")
def grant(
    session: Session,
    case_id: str,
    authority: str,
    reference: str,
    valid_until: str,
    scope: str = authorisations.GALLERY_SEARCH,
) -> int:
    """Record an authorisation; ``valid_until`` is a last day or an ISO time. Its id."""
    until = authorisations.parse_until(valid_until)
    with session.store.begin() as conn:
        return authorisations.grant(
            conn, session.actor, case_id, authority, reference, until, scope
        )


@service("authorisation refuse", SUPERVISORS, case=CaseOf("auth_id", _case_of_authorisation))
def refuse(session: Session, auth_id: int, note: str, case_id: str | None = None) -> int:
    """Record that the authorisation was refused; the number of candidates marked. With
    ``case_id``, an authorisation of another case is not found (and nothing changes)."""
    with session.store.begin() as conn:
        if case_id is not None and authorisations.case_of(conn, auth_id) != case_id:
            raise NotFound(f"authorisation {auth_id} is not in case {case_id}")
        return authorisations.refuse(conn, session.actor, auth_id, note)


@service("authorisation list", OVERSIGHT, case="case_id", unscoped=AUDITORS)
def list_authorisations(session: Session, case_id: str) -> list[dict[str, Any]]:
    """The case's authorisations with their status."""
    with session.store.read() as conn:
        return authorisations.list_for(conn, case_id)
