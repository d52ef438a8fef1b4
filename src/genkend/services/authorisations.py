"""Authorisations for gallery searches: supervisors of a case record them and their refusal.

A refused authorisation stops the searches made under it and marks their candidates for
deletion. The list of a case's authorisations is oversight (auditors for every case,
supervisors and admins for their own cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.errors import NotFound, PermissionDenied
from genkend.governance import authorisations
from genkend.governance.access import AUDITORS, INVESTIGATORS, OVERSIGHT, SUPERVISORS
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


@dataclass(frozen=True)
class Standing:
    """Whether the caller's gallery search in a case would run now: the authorisation it
    would run under, or why it would be refused."""

    case_id: str
    authorisation: dict[str, Any] | None
    refusal: str | None


@service("authorisation current", INVESTIGATORS, case="case_id")
def current(session: Session, case_id: str) -> Standing:
    """The authorisation the caller's gallery search in the case would run under now, or
    the reason it would be refused (asking writes nothing; a search itself is audited)."""
    with session.store.read() as conn:
        try:
            found = authorisations.valid(conn, case_id, session.caller.name)
        except PermissionDenied as refusal:
            return Standing(case_id, None, str(refusal))
    return Standing(case_id, found, None)
