"""Blind double review: how a candidate becomes an identification (AI Act Art. 14(5)).

A reviewer's outcome uses INTERPOL's vocabulary for a facial comparison:

    potential_candidate  "Potential candidate": the probe and the gallery identity may
                         be the same person (the reviewer confirms the proposal)
    no_candidate         "No candidate": they are not the same person
    inconclusive         "Inconclusive": the material does not allow a conclusion

The rules:

- a reviewer holds the reviewer role and is a member of the candidate's case;
- independence: the account that ran the search may not review its candidates, and
  the supervisor who settles a dispute is neither that account nor one of the two
  reviewers;
- a reviewer decides once per candidate, with a note giving the reasons; a decision is
  never changed;
- two reviewer decisions close a candidate: identified or rejected when they agree,
  disputed otherwise, and a supervisor settles a dispute;
- a candidate due for deletion (its authorisation was refused) is not reviewable.

Invariant: the rules here are pure functions of the candidate and the decisions given so
far; the caller (``services.review``) reads them with the candidate's row locked, stores
the decision together with its audit event in one transaction, and audits a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genkend.errors import InvalidField
from genkend.review.candidates import (
    DISPUTED,
    IDENTIFIED,
    OPEN,
    REJECTED,
    REVIEWER_ROLE,
    SUPERVISOR_ROLE,
    Candidate,
    Decision,
)

OUTCOMES = ("potential_candidate", "no_candidate", "inconclusive")
RESOLUTIONS = ("identified", "rejected", "inconclusive")


def check_outcome(outcome: str, allowed: Sequence[str]) -> None:
    if outcome not in allowed:
        raise InvalidField("outcome", f"must be one of {', '.join(allowed)}")


def check_note(note: str, noun: str) -> None:
    """Every decision and resolution gives its reasons."""
    if not note.strip():
        raise InvalidField("note", f"must give the reasons for the {noun}")


def decision(
    candidate_id: int, reviewer: str, role: str, outcome: str, note: str, at: str
) -> Decision:
    return Decision(candidate_id, reviewer, role, outcome, note.strip(), at)


def refusal_to_decide(candidate: Candidate, given: Sequence[Decision], name: str) -> str | None:
    """Why ``name`` may not decide the candidate, or ``None``; ``given``: reviewer decisions."""
    unreviewable = _unreviewable(candidate, name)
    if unreviewable is not None:
        return unreviewable
    if any(d.reviewer == name for d in given):
        return (
            f"{name} has already decided on candidate {candidate.id}; "
            "a reviewer decides once and a decision is never changed"
        )
    if candidate.status != OPEN:
        return f"candidate {candidate.id} has its two decisions already"
    return None


def refusal_to_resolve(candidate: Candidate, reviewers: Sequence[str], name: str) -> str | None:
    """Why the supervisor ``name`` may not settle the candidate, or ``None``."""
    unreviewable = _unreviewable(candidate, name)
    if unreviewable is not None:
        return unreviewable
    if candidate.status != DISPUTED:
        return (
            f"candidate {candidate.id} is {candidate.status}, not disputed: a supervisor "
            "settles only a dispute between two reviewers"
        )
    if name in reviewers:
        return (
            f"{name} reviewed candidate {candidate.id}; a dispute is settled by another supervisor"
        )
    return None


def reviewer_decisions(given: Sequence[Decision]) -> list[Decision]:
    return [d for d in given if d.role == REVIEWER_ROLE]


def status_after(given: Sequence[Decision]) -> str:
    """The status once the reviewer decisions ``given`` are recorded."""
    if len(given) < 2:
        return OPEN
    outcomes = {d.outcome for d in given}
    if outcomes == {"potential_candidate"}:
        return IDENTIFIED
    if outcomes == {"no_candidate"}:
        return REJECTED
    return DISPUTED


def decision_detail(
    candidate: Candidate, made: Decision, given: Sequence[Decision]
) -> dict[str, Any]:
    """The ``review.decide`` audit event's detail; ``given`` includes ``made``."""
    status = status_after(given)
    detail: dict[str, Any] = {
        **_about(candidate),
        "outcome": made.outcome,
        "note": made.note,
        "role": REVIEWER_ROLE,
        "decided_at": made.decided_at,
        "status": status,
    }
    if status != OPEN:
        detail["reviewers"] = [d.reviewer for d in given]
    return detail


def resolution_detail(
    candidate: Candidate, made: Decision, reviewers: Sequence[str]
) -> dict[str, Any]:
    """The ``review.resolve`` audit event's detail."""
    return {
        **_about(candidate),
        "outcome": made.outcome,
        "note": made.note,
        "role": SUPERVISOR_ROLE,
        "decided_at": made.decided_at,
        "status": made.outcome,
        "reviewers": list(reviewers),
        "supervisor": made.reviewer,
    }


def _unreviewable(candidate: Candidate, name: str) -> str | None:
    if candidate.deletion_due:
        return (
            f"candidate {candidate.id} is due for deletion (its authorisation was "
            "refused) and cannot be reviewed"
        )
    if candidate.searched_by == name:
        return (
            f"{name} ran the search that proposed candidate {candidate.id}; whoever "
            "searches may not review its candidates (independent verification)"
        )
    return None


def _about(candidate: Candidate) -> dict[str, Any]:
    return {
        "candidate": candidate.id,
        "identity": candidate.identity_id,
        "search_seq": candidate.search_seq,
        "authorisation_id": candidate.authorisation_id,
    }
