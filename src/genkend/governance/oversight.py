"""Oversight: the usage report a supervisory authority asks for, and the search checks.

``usage(conn, period)`` reads the audit log of a period and reports what an annual
report to a supervisory authority contains: the biometric searches per case with their
purpose, legal basis, authorisation and outcome (number of candidates), refused
searches, identifications with their reviewers, access denials, exports and retention
erasures (AI Act Art. 12(3), 26; Law Enforcement Directive Art. 25). It names gallery
identities by number and probes by digest only: an oversight report shows no imagery
and no more personal data than the audit log it summarises, and a reader who is not an
auditor gets the report of their own cases only (``audit.Scope``). Its HTML page and
table cells are ``report.usage``.

``check_searches(conn)`` is part of ``genkend audit verify``: every recorded biometric
search has a purpose and a legal basis, and every gallery search names an
authorisation that existed, covered that case, was granted and valid when the search
started, and was recorded by someone other than the searcher. A search whose detail
retention erased is counted, not checked.

Invariant: read-only; the figures come from the audit log (the authorisations table
only supplies the authority and reference of an authorisation an event names).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from genkend.clock import to_text, utc_now_text
from genkend.errors import UsageError
from genkend.governance import audit
from genkend.governance.audit import AuditEvent
from genkend.governance.authorisations import GALLERY_SEARCH
from genkend.store import Connection
from genkend.store import authorisations as stored_authorisations

SEARCHES = ("search.gallery", "search.case")
CLOSING = ("identified", "rejected", "disputed", "inconclusive")


@dataclass(frozen=True)
class Period:
    """A closed interval of audit time, as stored text (``clock.TEXT_FORMAT``)."""

    start: str
    end: str


@dataclass(frozen=True)
class SearchProblem:
    seq: int
    message: str


@dataclass(frozen=True)
class SearchCheck:
    """The outcome of ``check_searches``: how many searches were checked, and what failed."""

    checked: int
    erased: int
    problems: tuple[SearchProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def period(start: str, end: str) -> Period:
    """Dates (whole days, UTC) or ISO times; both ends included."""
    first, last = _moment(start, time.min), _moment(end, time.max)
    if first > last:
        raise UsageError(f"--from {start} is after --to {end}")
    return Period(to_text(first), to_text(last))


def _moment(value: str, day_edge: time) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"expected a date (YYYY-MM-DD) or an ISO time, not {value!r}") from None
    if len(value) == 10:
        moment = datetime.combine(moment.date(), day_edge)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- search checks


def check_searches(conn: Connection) -> SearchCheck:
    granted = stored_authorisations.every(conn)
    stopped = _stopped_authorisations(conn)
    checked = erased = 0
    problems: list[SearchProblem] = []
    for event in audit.events(conn, action="search.*"):
        if event.action not in SEARCHES:
            continue
        if event.detail == audit.ERASED:
            erased += 1
            continue
        checked += 1
        problems += [
            SearchProblem(event.seq, f"event {event.seq} ({event.action}, {event.subject}): {m}")
            for m in _search_problems(event, granted, stopped)
        ]
    return SearchCheck(checked, erased, tuple(problems))


def _stopped_authorisations(conn: Connection) -> dict[int, int]:
    """The first event that refused or revoked each authorisation, by its id."""
    stopped: dict[int, int] = {}
    for event in audit.events(conn, action="authorisation.*"):
        if event.action in ("authorisation.refuse", "authorisation.revoke"):
            auth_id = event.detail.get("authorisation")
            if isinstance(auth_id, int):
                stopped.setdefault(auth_id, event.seq)
    return stopped


def _search_problems(
    event: AuditEvent, granted: dict[int, Any], stopped: dict[int, int]
) -> list[str]:
    found = [
        f"no {label} recorded"
        for key, label in (("purpose", "purpose"), ("legal_basis", "legal basis"))
        if not str(event.detail.get(key) or "").strip()
    ]
    if event.action == "search.gallery":
        found += _authorisation_problems(event, granted, stopped)
    return found


def _authorisation_problems(
    event: AuditEvent, granted: dict[int, Any], stopped: dict[int, int]
) -> list[str]:
    auth_id = event.detail.get("authorisation_id")
    if not isinstance(auth_id, int):
        return ["a gallery search that names no authorisation"]
    row = granted.get(auth_id)
    if row is None:
        return [f"names authorisation {auth_id}, which does not exist"]
    at = str(event.detail.get("started_at") or event.at)
    case = _case(event.subject)
    checks = [
        (row.case_id == case, f"authorisation {auth_id} is for case {row.case_id}, not {case}"),
        (row.scope == GALLERY_SEARCH, f"authorisation {auth_id} does not cover gallery searches"),
        (row.recorded_at <= event.at, f"authorisation {auth_id} was recorded after the search"),
        (
            row.recorded_by != event.actor,
            f"authorisation {auth_id} was recorded by {event.actor}, the searcher",
        ),
        (row.granted_at <= at, f"the search started before authorisation {auth_id} was granted"),
        (at <= row.valid_until, f"the search started after authorisation {auth_id} expired"),
        (
            row.status == "granted" or auth_id in stopped,
            f"authorisation {auth_id} is {row.status} but no audit event says when",
        ),
        (
            stopped.get(auth_id, event.seq) >= event.seq,
            f"authorisation {auth_id} had been refused or revoked (event "
            f"{stopped.get(auth_id)}) before the search",
        ),
    ]
    return [message for holds, message in checks if not holds]


def _case(subject: str) -> str | None:
    kind, _, name = subject.partition(":")
    return name if kind == "case" and name else None


# ---------------------------------------------------------------- usage report


def usage(conn: Connection, within: Period, scope: audit.Scope | None = None) -> dict[str, Any]:
    """The usage report of ``within``, from the audit log (see the module docstring),
    of the events ``scope`` covers (None: every event, for auditors)."""
    chosen = [e for e in audit.events(conn, scope=scope) if within.start <= e.at <= within.end]
    refs = stored_authorisations.every(conn)
    searches = [_search(e, refs) for e in chosen if e.action in SEARCHES]
    closings = [_closing(e) for e in chosen if e.action in ("review.decide", "review.resolve")]
    closed = [c for c in closings if c["status"] in CLOSING]
    chain = audit.verify(conn)
    return {
        "period": {"from": within.start, "to": within.end},
        "generated_at": utc_now_text(),
        "audit_chain": {"ok": chain.ok, "head_seq": chain.head_seq, "head": chain.head_digest},
        "searches": searches,
        "search_summary": _summary(searches),
        "refused_searches": [_refused(e) for e in chosen if e.action == "search.refused"],
        "review_outcomes": dict(Counter(c["status"] for c in closed)),
        "identifications": [c for c in closed if c["status"] == "identified"],
        "denials": [_denial(e) for e in chosen if e.action == "access.denied"],
        "exports": [_export(e) for e in chosen if e.action.startswith("export.")],
        "erasures": [_erasure(e) for e in chosen if e.action.startswith("retention.")],
    }


def _base(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.at, "actor": event.actor, "case": _case(event.subject)}


def _search(event: AuditEvent, refs: dict[int, Any]) -> dict[str, Any]:
    d = event.detail
    auth = refs.get(d["authorisation_id"]) if isinstance(d.get("authorisation_id"), int) else None
    results = d.get("results")
    return {
        **_base(event),
        "kind": event.action.removeprefix("search."),
        "purpose": d.get("purpose"),
        "legal_basis": d.get("legal_basis"),
        "authorisation_id": d.get("authorisation_id"),
        "authority": auth.authority if auth else None,
        "authorisation_reference": auth.reference if auth else None,
        "reference": d.get("reference"),
        "reference_version": d.get("reference_version"),
        "started_at": d.get("started_at"),
        "ended_at": d.get("ended_at"),
        "probe_sha256": (d.get("input") or {}).get("sha256"),
        "candidates": len(results) if isinstance(results, list) else None,
        "erased": d == audit.ERASED,
    }


def _summary(searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Searches grouped by case, kind, purpose, legal basis and authorisation."""
    fields = ("case", "kind", "purpose", "legal_basis", "authorisation_id")
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in searches:
        key = tuple(s[f] for f in fields)
        empty = {"searches": 0, "with_candidates": 0, "candidates": 0}
        group = groups.setdefault(key, {**dict(zip(fields, key, strict=True)), **empty})
        group["searches"] += 1
        group["with_candidates"] += bool(s["candidates"])
        group["candidates"] += s["candidates"] or 0
    return sorted(groups.values(), key=lambda g: tuple(str(g[f]) for f in fields))


def _refused(event: AuditEvent) -> dict[str, Any]:
    d = event.detail
    return {
        **_base(event),
        "kind": d.get("kind"),
        "purpose": d.get("purpose"),
        "legal_basis": d.get("legal_basis"),
        "reason": d.get("reason"),
    }


def _closing(event: AuditEvent) -> dict[str, Any]:
    d = event.detail
    return {
        **_base(event),
        "candidate": d.get("candidate"),
        "identity": d.get("identity"),
        "search_seq": d.get("search_seq"),
        "status": d.get("status"),
        "reviewers": d.get("reviewers", []),
        "supervisor": d.get("supervisor"),
    }


def _denial(event: AuditEvent) -> dict[str, Any]:
    d = event.detail
    return {
        **_base(event),
        "subject": event.subject,
        "action": d.get("action"),
        "reason": d.get("reason"),
    }


def _export(event: AuditEvent) -> dict[str, Any]:
    d = event.detail
    return {
        **_base(event),
        "kind": event.action.removeprefix("export."),
        "purpose": d.get("purpose"),
        "legal_basis": d.get("legal_basis"),
        "recipient": d.get("recipient"),
        "file": d.get("file"),
        "sha256": d.get("sha256"),
    }


def _erasure(event: AuditEvent) -> dict[str, Any]:
    d = event.detail
    erased = d.get("audit_details")
    return {
        **_base(event),
        "action": event.action,
        "reason": d.get("reason"),
        "audit_details_erased": len(erased) if isinstance(erased, list) else None,
        "detail": d,
    }
