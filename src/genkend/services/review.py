"""Review of gallery candidates: the lists, one candidate, a decision, a resolution.

The gate checks the role and the membership of the candidate's case; the bodies apply
the blind double review rules of ``review.double_review`` with the candidate's row
locked. Invariants: a decision or resolution is stored in the transaction of its audit
event; a refused one changes nothing and is audited (``access.denied``, naming the
candidate) after that transaction has rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from genkend.clock import utc_now_text
from genkend.errors import NotFound
from genkend.governance import access, audit
from genkend.governance.access import REVIEWERS, SUPERVISORS, Need
from genkend.review import double_review as rules
from genkend.review.candidates import (
    OPEN,
    REVIEWER_ROLE,
    SUPERVISOR_ROLE,
    Candidate,
    Decision,
    View,
)
from genkend.review.candidates import view as view_of
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session
from genkend.store import candidates as stored_candidates
from genkend.store import reviews as stored_reviews

if TYPE_CHECKING:
    from genkend.store import Connection


def _case_of_candidate(session: Session, candidate_id: int) -> str:
    with session.store.read() as conn:
        return str(stored_candidates.get(conn, candidate_id)["case_id"])


BY_CANDIDATE = CaseOf("candidate_id", _case_of_candidate)


@service("review list", REVIEWERS, case="case_id")
def awaiting(session: Session, case_id: str) -> list[Candidate]:
    """The open candidates of a case the caller may still decide, best first (blind)."""
    with session.store.read() as conn:
        rows = stored_candidates.awaiting(conn, session.caller.name, case_id)
    return [Candidate.from_row(r) for r in rows]


@service("review list --disputed", SUPERVISORS, case="case_id")
def disputed(session: Session, case_id: str) -> list[Candidate]:
    """The disputed candidates of a case, awaiting a supervisor."""
    with session.store.read() as conn:
        return [Candidate.from_row(r) for r in stored_candidates.disputed(conn, case_id)]


@service("review show", REVIEWERS | SUPERVISORS, case=BY_CANDIDATE)
def show(session: Session, candidate_id: int, case_id: str | None = None) -> View:
    """One candidate; other decisions only once the caller's is given (or cannot be).
    With ``case_id``, a candidate of another case is not found."""
    with session.store.read() as conn:
        candidate = _in_case(stored_candidates.get(conn, candidate_id), case_id)
        given = _decisions(conn, candidate_id)
    return view_of(candidate, given, session.caller.name, session.caller.roles)


@service("review decide", REVIEWERS, case=BY_CANDIDATE)
def decide(
    session: Session, candidate_id: int, outcome: str, note: str, case_id: str | None = None
) -> View:
    """Record the caller's decision on a candidate; two decisions close it. With
    ``case_id``, a candidate of another case is not found (and nothing is recorded)."""
    rules.check_outcome(outcome, rules.OUTCOMES)
    rules.check_note(note, "decision")
    name = session.caller.name
    with session.store.begin() as conn:
        candidate = _in_case(stored_candidates.get(conn, candidate_id, lock=True), case_id)
        given = rules.reviewer_decisions(_decisions(conn, candidate_id))
        reason = _recheck(conn, session, "review decide", REVIEWERS, candidate)
        reason = reason or rules.refusal_to_decide(candidate, given, name)
        if reason is None:
            made = rules.decision(candidate_id, name, REVIEWER_ROLE, outcome, note, utc_now_text())
            stored_reviews.insert_one(conn, made.as_dict())
            given.append(made)
            detail = rules.decision_detail(candidate, made, given)
            if detail["status"] != OPEN:
                stored_candidates.set_status(conn, candidate_id, detail["status"])
            audit.record(conn, session.actor, "review.decide", f"case:{candidate.case_id}", detail)
            return _view(conn, session, candidate_id)
    _deny(session, "review decide", candidate, reason)


@service("review resolve", SUPERVISORS, case=BY_CANDIDATE)
def resolve(
    session: Session, candidate_id: int, outcome: str, note: str, case_id: str | None = None
) -> View:
    """A supervisor settles a disputed candidate as identified, rejected or inconclusive.
    With ``case_id``, a candidate of another case is not found (and nothing is recorded)."""
    rules.check_outcome(outcome, rules.RESOLUTIONS)
    rules.check_note(note, "resolution")
    name = session.caller.name
    with session.store.begin() as conn:
        candidate = _in_case(stored_candidates.get(conn, candidate_id, lock=True), case_id)
        reason = _recheck(conn, session, "review resolve", SUPERVISORS, candidate)
        reviewers = [d.reviewer for d in rules.reviewer_decisions(_decisions(conn, candidate_id))]
        reason = reason or rules.refusal_to_resolve(candidate, reviewers, name)
        if reason is None:
            at = utc_now_text()
            made = rules.decision(candidate_id, name, SUPERVISOR_ROLE, outcome, note, at)
            stored_reviews.insert_one(conn, made.as_dict())
            stored_candidates.set_status(conn, candidate_id, outcome)
            detail = rules.resolution_detail(candidate, made, reviewers)
            audit.record(conn, session.actor, "review.resolve", f"case:{candidate.case_id}", detail)
            return _view(conn, session, candidate_id)
    _deny(session, "review resolve", candidate, reason)


def _in_case(row: Mapping[str, Any], case_id: str | None) -> Candidate:
    """The candidate of ``row``; one of another case than ``case_id`` is not found there."""
    candidate = Candidate.from_row(row)
    if case_id is not None and candidate.case_id != case_id:
        raise NotFound(f"candidate {candidate.id} is not in case {case_id}")
    return candidate


def _decisions(conn: Connection, candidate_id: int) -> list[Decision]:
    return [Decision.from_row(r) for r in stored_reviews.of_candidate(conn, candidate_id)]


def _recheck(
    conn: Connection, session: Session, action: str, roles: frozenset[str], candidate: Candidate
) -> str | None:
    """The gate's check again with the candidate's row locked: a membership removed
    since the gate let the call in refuses it still."""
    _, reason = access.check(conn, session.actor, Need(action, roles, candidate.case_id))
    return reason


def _view(conn: Connection, session: Session, candidate_id: int) -> View:
    candidate = Candidate.from_row(stored_candidates.get(conn, candidate_id))
    given = _decisions(conn, candidate_id)
    return view_of(candidate, given, session.caller.name, session.caller.roles)


def _deny(session: Session, action: str, candidate: Candidate, reason: str | None) -> NoReturn:
    assert reason is not None
    subject = f"case:{candidate.case_id}"
    access.deny(session.store, session.actor, action, subject, reason, {"candidate": candidate.id})
