"""Candidates and blind double review: how a gallery search's proposals become identifications.

A gallery search records one candidate per gallery identity it proposes, in the same
transaction as its ``search.gallery`` audit event, linked to that event (``search_seq``)
and to the authorisation it ran under. A candidate is a proposal, never a verdict
(DESIGN rule 5): it becomes ``identified`` only when two distinct reviewers have each
confirmed it, neither seeing the other's decision first (AI Act Art. 14(5)).

A reviewer's outcome uses INTERPOL's vocabulary for a facial comparison:

    potential_candidate  "Potential candidate": the probe and the gallery identity may
                         be the same person (the reviewer confirms the proposal)
    no_candidate         "No candidate": they are not the same person
    inconclusive         "Inconclusive": the material does not allow a conclusion

A candidate's status:

    open          awaiting its two decisions; it stays ``open`` after the first, so
                  that the status says nothing about a decision already given
    identified    both reviewers said potential_candidate (or a supervisor settled so)
    rejected      both said no_candidate (or a supervisor settled so)
    disputed      the two differ, or one is inconclusive: a supervisor settles it
    inconclusive  a supervisor settled a dispute as inconclusive

The rules:

- a reviewer holds the reviewer role and is a member of the candidate's case;
- independence: the account that ran the search may not review its candidates, and
  the supervisor who settles a dispute is neither that account nor one of the two
  reviewers;
- a reviewer decides once per candidate, with a note giving the reasons; a decision is
  never changed;
- blindness: while an account could still decide a candidate, nothing shown to it
  reveals another decision, not even whether one exists (holding the supervisor role
  as well does not lift this); after deciding, or when it cannot decide, decisions are
  shown;
- a candidate due for deletion (its authorisation was refused) is not reviewable.

Invariants: each decision and resolution is stored together with its audit event
(reviewer, time, outcome, note) in one transaction; decisions are never updated or
deleted here; the candidate row is locked while its decisions are counted, so two
reviewers deciding at once cannot both see "first decision".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from genkend.clock import utc_now_text
from genkend.errors import NotFound, PermissionDenied, UsageError
from genkend.governance import access, audit
from genkend.governance.access import REVIEWERS, SUPERVISORS, Account, Need
from genkend.records import Actor
from genkend.store import Store
from genkend.store.schema import audit_events, candidates, gallery_identities, review_decisions

if TYPE_CHECKING:
    from genkend.search import Result

OUTCOMES = ("potential_candidate", "no_candidate", "inconclusive")
RESOLUTIONS = ("identified", "rejected", "inconclusive")
OPEN, IDENTIFIED, REJECTED, DISPUTED = "open", "identified", "rejected", "disputed"
REVIEWER_ROLE, SUPERVISOR_ROLE = "reviewer", "supervisor"


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


# ---------------------------------------------------------------- candidates


def record_candidates(
    conn: Connection, case_id: str, result: Result, *, search_seq: int, probe: str
) -> list[int]:
    """Store one open candidate per identity of a gallery search's ``result``.

    Called in the transaction that records the search's audit event ``search_seq``;
    returns the new candidate ids in the order of ``result.candidates``.
    """
    now = utc_now_text()
    ids = []
    for proposal in result.candidates:
        ids.append(
            int(
                conn.execute(
                    insert(candidates)
                    .values(
                        case_id=case_id,
                        identity_id=int(proposal["id"]),
                        face_id=None,
                        probe=probe,
                        probe_sha256=result.probe_sha256,
                        distance=float(proposal["distance"]),
                        max_distance=float(proposal["max_distance"]),
                        fmr=proposal.get("fmr"),
                        backend=result.backend,
                        search_seq=search_seq,
                        authorisation_id=result.authorisation_id,
                        status=OPEN,
                        deletion_due=False,
                        created_at=now,
                    )
                    .returning(candidates.c.id)
                ).scalar_one()
            )
        )
    return ids


def _query() -> Any:
    return (
        select(
            candidates,
            gallery_identities.c.label.label("identity_label"),
            audit_events.c.actor.label("searched_by"),
        )
        .join(gallery_identities, gallery_identities.c.id == candidates.c.identity_id)
        .join(audit_events, audit_events.c.seq == candidates.c.search_seq)
    )


def _candidate(row: Any) -> Candidate:
    return Candidate(
        id=row.id,
        case_id=row.case_id,
        identity_label=row.identity_label,
        identity_id=row.identity_id,
        probe=row.probe,
        probe_sha256=row.probe_sha256,
        distance=row.distance,
        max_distance=row.max_distance,
        fmr=row.fmr,
        backend=row.backend,
        search_seq=row.search_seq,
        searched_by=row.searched_by,
        authorisation_id=row.authorisation_id,
        status=row.status,
        deletion_due=bool(row.deletion_due),
        created_at=row.created_at,
    )


def get(conn: Connection, candidate_id: int, *, lock: bool = False) -> Candidate:
    """The candidate, or ``NotFound``; ``lock`` holds its row until the transaction ends."""
    query = _query().where(candidates.c.id == candidate_id)
    if lock:
        query = query.with_for_update(of=candidates)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"unknown candidate {candidate_id}")
    return _candidate(row)


def decisions(conn: Connection, candidate_id: int) -> tuple[Decision, ...]:
    rows = conn.execute(
        select(review_decisions)
        .where(review_decisions.c.candidate_id == candidate_id)
        .order_by(review_decisions.c.id)
    )
    return tuple(
        Decision(r.candidate_id, r.reviewer, r.role, r.outcome, r.note, r.decided_at) for r in rows
    )


def awaiting(conn: Connection, reviewer: str, case_id: str) -> list[Candidate]:
    """The open candidates of a case that ``reviewer`` may still decide, best first.

    Nothing here depends on other reviewers' decisions beyond leaving out closed
    candidates, whose status never changes with the first decision.
    """
    mine = select(review_decisions.c.candidate_id).where(review_decisions.c.reviewer == reviewer)
    query = (
        _query()
        .where(
            candidates.c.case_id == case_id,
            candidates.c.status == OPEN,
            candidates.c.deletion_due.is_(False),
            candidates.c.id.not_in(mine),
            audit_events.c.actor != reviewer,
        )
        .order_by(candidates.c.distance, candidates.c.id)
    )
    return [_candidate(row) for row in conn.execute(query)]


def disputed(conn: Connection, case_id: str) -> list[Candidate]:
    """The disputed candidates of a case, awaiting a supervisor."""
    query = (
        _query()
        .where(
            candidates.c.case_id == case_id,
            candidates.c.status == DISPUTED,
            candidates.c.deletion_due.is_(False),
        )
        .order_by(candidates.c.id)
    )
    return [_candidate(row) for row in conn.execute(query)]


def view(conn: Connection, account: Account, candidate_id: int) -> View:
    """The candidate as ``account`` may see it (see the blindness rule above)."""
    candidate = get(conn, candidate_id)
    given = decisions(conn, candidate_id)
    blind = REVIEWER_ROLE in account.roles and _may_still_decide(candidate, given, account.name)
    return View(candidate, blind, () if blind else given)


def _may_still_decide(candidate: Candidate, given: tuple[Decision, ...], name: str) -> bool:
    return (
        candidate.status == OPEN
        and not candidate.deletion_due
        and candidate.searched_by != name
        and all(d.reviewer != name for d in given)
    )


# ---------------------------------------------------------------- decisions


def decide(conn: Connection, actor: Actor, candidate_id: int, outcome: str, note: str) -> View:
    """Record ``actor``'s decision on a candidate; two decisions close it.

    Raises ``PermissionDenied`` when the rules above refuse it (the caller audits the
    refusal with ``audit_refusal`` after this transaction rolls back).
    """
    if outcome not in OUTCOMES:
        raise UsageError(f"--outcome must be one of {', '.join(OUTCOMES)}")
    if not note.strip():
        raise UsageError("a decision needs a --note giving its reasons")
    candidate = get(conn, candidate_id, lock=True)
    _allowed(conn, actor, Need("review decide", REVIEWERS, candidate.case_id))
    given = [d for d in decisions(conn, candidate_id) if d.role == REVIEWER_ROLE]
    _check_reviewable(candidate, actor)
    if any(d.reviewer == actor.name for d in given):
        raise PermissionDenied(
            f"{actor.name} has already decided on candidate {candidate_id}; "
            "a reviewer decides once and a decision is never changed"
        )
    if candidate.status != OPEN:
        raise PermissionDenied(f"candidate {candidate_id} has its two decisions already")
    decision = _store(conn, candidate_id, actor.name, REVIEWER_ROLE, outcome, note)
    given.append(decision)
    status = _status_after(given)
    detail: dict[str, Any] = {
        **_about(candidate),
        "outcome": outcome,
        "note": decision.note,
        "role": REVIEWER_ROLE,
        "decided_at": decision.decided_at,
        "status": status,
    }
    if status != OPEN:
        _set_status(conn, candidate_id, status)
        detail["reviewers"] = [d.reviewer for d in given]
    audit.record(conn, actor, "review.decide", f"case:{candidate.case_id}", detail)
    return view(conn, _account(conn, actor), candidate_id)


def resolve(conn: Connection, actor: Actor, candidate_id: int, outcome: str, note: str) -> View:
    """A supervisor settles a disputed candidate as identified, rejected or inconclusive."""
    if outcome not in RESOLUTIONS:
        raise UsageError(f"--outcome must be one of {', '.join(RESOLUTIONS)}")
    if not note.strip():
        raise UsageError("a resolution needs a --note giving its reasons")
    candidate = get(conn, candidate_id, lock=True)
    _allowed(conn, actor, Need("review resolve", SUPERVISORS, candidate.case_id))
    _check_reviewable(candidate, actor)
    if candidate.status != DISPUTED:
        raise PermissionDenied(
            f"candidate {candidate_id} is {candidate.status}, not disputed: a supervisor "
            "settles only a dispute between two reviewers"
        )
    reviewers = [d.reviewer for d in decisions(conn, candidate_id) if d.role == REVIEWER_ROLE]
    if actor.name in reviewers:
        raise PermissionDenied(
            f"{actor.name} reviewed candidate {candidate_id}; a dispute is settled by "
            "another supervisor"
        )
    decision = _store(conn, candidate_id, actor.name, SUPERVISOR_ROLE, outcome, note)
    _set_status(conn, candidate_id, outcome)
    audit.record(
        conn,
        actor,
        "review.resolve",
        f"case:{candidate.case_id}",
        {
            **_about(candidate),
            "outcome": outcome,
            "note": decision.note,
            "role": SUPERVISOR_ROLE,
            "decided_at": decision.decided_at,
            "status": outcome,
            "reviewers": reviewers,
            "supervisor": actor.name,
        },
    )
    return view(conn, _account(conn, actor), candidate_id)


def audit_refusal(
    store: Store, actor: Actor, candidate_id: int, action: str, refusal: PermissionDenied
) -> None:
    """Record a refused review action in its own transaction (it changed nothing else)."""
    with store.begin() as conn:
        row = conn.execute(
            select(candidates.c.case_id).where(candidates.c.id == candidate_id)
        ).first()
        audit.record(
            conn,
            actor,
            "access.denied",
            f"case:{row.case_id}" if row else f"candidate:{candidate_id}",
            {"action": action, "candidate": candidate_id, "reason": str(refusal)},
        )


def _allowed(conn: Connection, actor: Actor, need: Need) -> None:
    _, reason = access.check(conn, actor, need)
    if reason is not None:
        raise PermissionDenied(reason)


def _account(conn: Connection, actor: Actor) -> Account:
    account = access.get_account(conn, actor.name)
    if account is None:
        raise NotFound(f"unknown account {actor.name!r}")
    return account


def _check_reviewable(candidate: Candidate, actor: Actor) -> None:
    if candidate.deletion_due:
        raise PermissionDenied(
            f"candidate {candidate.id} is due for deletion (its authorisation was "
            "refused) and cannot be reviewed"
        )
    if candidate.searched_by == actor.name:
        raise PermissionDenied(
            f"{actor.name} ran the search that proposed candidate {candidate.id}; whoever "
            "searches may not review its candidates (independent verification)"
        )


def _status_after(given: list[Decision]) -> str:
    if len(given) < 2:
        return OPEN
    outcomes = {d.outcome for d in given}
    if outcomes == {"potential_candidate"}:
        return IDENTIFIED
    if outcomes == {"no_candidate"}:
        return REJECTED
    return DISPUTED


def _store(
    conn: Connection, candidate_id: int, reviewer: str, role: str, outcome: str, note: str
) -> Decision:
    decision = Decision(candidate_id, reviewer, role, outcome, note.strip(), utc_now_text())
    conn.execute(insert(review_decisions).values(**decision.as_dict()))
    return decision


def _set_status(conn: Connection, candidate_id: int, status: str) -> None:
    conn.execute(update(candidates).where(candidates.c.id == candidate_id).values(status=status))


def _about(candidate: Candidate) -> dict[str, Any]:
    return {
        "candidate": candidate.id,
        "identity": candidate.identity_id,
        "search_seq": candidate.search_seq,
        "authorisation_id": candidate.authorisation_id,
    }
