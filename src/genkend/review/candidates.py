"""Candidates: the gallery identities a search proposes for a probe, and how one account
may see them.

A gallery search records one candidate per gallery identity it proposes, in the same
transaction as its ``search.gallery`` audit event, linked to that event (``search_seq``)
and to the authorisation it ran under. A candidate is a proposal, never a verdict
(DESIGN rule 5): it becomes ``identified`` only through the blind double review of
``review.double_review``.

A candidate's status:

    open          awaiting its two decisions; it stays ``open`` after the first, so
                  that the status says nothing about a decision already given
    identified    both reviewers said potential_candidate (or a supervisor settled so)
    rejected      both said no_candidate (or a supervisor settled so)
    disputed      the two differ, or one is inconclusive: a supervisor settles it
    inconclusive  a supervisor settled a dispute as inconclusive

Blindness: while an account could still decide a candidate, nothing shown to it reveals
another decision, not even whether one exists (holding the supervisor role as well does
not lift this); after deciding, or when it cannot decide, decisions are shown.

Invariant: records here are frozen and built from plain rows (``from_row``); this module
reads no store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, TypeVar

OPEN, IDENTIFIED, REJECTED, DISPUTED = "open", "identified", "rejected", "disputed"
REVIEWER_ROLE, SUPERVISOR_ROLE = "reviewer", "supervisor"

R = TypeVar("R")


def _from_row(cls: type[R], row: Mapping[str, Any]) -> R:
    """A record from a row holding (at least) a column per field."""
    return cls(**{f.name: row[f.name] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Proposal:
    """One gallery identity a search proposes for review, as it is stored (status open)."""

    case_id: str
    identity_id: int
    probe: str
    probe_sha256: str | None
    distance: float
    max_distance: float
    fmr: float | None
    backend: str
    search_seq: int
    authorisation_id: int | None

    def as_row(self, created_at: str) -> dict[str, Any]:
        return {
            **asdict(self),
            "face_id": None,
            "status": OPEN,
            "deletion_due": False,
            "created_at": created_at,
        }


@dataclass(frozen=True)
class Candidate:
    """A gallery identity proposed for a probe, as a reviewer's screen shows it (no imagery)."""

    id: int
    case_id: str
    identity_id: int
    identity_label: str
    probe: str
    probe_sha256: str | None
    distance: float
    max_distance: float
    fmr: float | None
    backend: str
    search_seq: int
    searched_by: str
    authorisation_id: int | None
    status: str
    deletion_due: bool
    created_at: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Candidate:
        return replace(_from_row(cls, row), deletion_due=bool(row["deletion_due"]))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """One reviewer's outcome (role ``reviewer``) or a supervisor's resolution."""

    candidate_id: int
    reviewer: str
    role: str
    outcome: str
    note: str
    decided_at: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Decision:
        return _from_row(cls, row)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class View:
    """A candidate as one account may see it: ``decisions`` is empty when ``blind``."""

    candidate: Candidate
    blind: bool
    decisions: tuple[Decision, ...]

    def as_dict(self) -> dict[str, Any]:
        data = self.candidate.as_dict()
        data["blind"] = self.blind
        if not self.blind:
            data["decisions"] = [d.as_dict() for d in self.decisions]
        return data


def view(candidate: Candidate, given: Sequence[Decision], name: str, roles: frozenset[str]) -> View:
    """The candidate as the account ``name`` holding ``roles`` may see it (blindness)."""
    blind = REVIEWER_ROLE in roles and may_still_decide(candidate, given, name)
    return View(candidate, blind, () if blind else tuple(given))


def may_still_decide(candidate: Candidate, given: Sequence[Decision], name: str) -> bool:
    return (
        candidate.status == OPEN
        and not candidate.deletion_due
        and candidate.searched_by != name
        and all(d.reviewer != name for d in given)
    )
