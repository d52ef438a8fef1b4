"""The audit log: verify its hash chain (with the checks of every biometric search) and
read its events, in order (``show``) or a page at a time, newest first (``newest``).

Oversight roles only. Auditors read every event; supervisors and admins the events of
their own cases (``access.audit_scope``). Reading the trail is a consultation, itself
recorded (``audit.show``) in the same transaction (LED Art. 25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genkend.errors import InvalidField
from genkend.governance import access, audit, oversight
from genkend.governance.access import OVERSIGHT
from genkend.governance.audit import AuditEvent
from genkend.services.registry import service
from genkend.services.session import Session

if TYPE_CHECKING:
    from genkend.store import Connection


@dataclass(frozen=True)
class ChainCheck:
    """The chain's verification and the check of the recorded biometric searches."""

    chain: audit.Verification
    searches: oversight.SearchCheck

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.searches.ok

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.chain.__dict__,
            "searches_checked": self.searches.checked,
            "searches_erased": self.searches.erased,
            "search_problems": [p.__dict__ for p in self.searches.problems],
        }


def _parse_anchor(anchor: str | None) -> tuple[int, str] | None:
    if anchor is None:
        return None
    seq, _, digest = anchor.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise InvalidField("anchor", "takes SEQ:DIGEST as printed by an earlier 'audit verify'")
    return int(seq), digest.lower()


@service("audit verify", OVERSIGHT)
def verify(session: Session, anchor: str | None = None) -> ChainCheck:
    """Walk the chain (from an earlier head ``SEQ:DIGEST`` if given) and check searches."""
    head = _parse_anchor(anchor)
    with session.store.read() as conn:
        return ChainCheck(audit.verify(conn, head), oversight.check_searches(conn))


PAGE_SIZE = 100


@dataclass(frozen=True)
class TrailPage:
    """One page of the trail, newest first; ``older`` is the ``before`` of the next
    (older) page, None when this page holds the oldest event in view."""

    events: tuple[AuditEvent, ...]
    action: str | None
    before: int | None
    older: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": [e.as_dict() for e in self.events],
            "action": self.action,
            "before": self.before,
            "older": self.older,
        }


@service("audit show", OVERSIGHT)
def show(session: Session, since: int = 0, action: str | None = None) -> list[AuditEvent]:
    """Events after ``since``, optionally of one action (or prefix ``case.*``)."""
    with session.store.begin() as conn:
        scope = access.audit_scope(conn, session.caller)
        found = list(audit.events(conn, since, action, scope))
        _record_reading(conn, session, scope, {"since": since, "action": action}, len(found))
    return found


@service("audit show", OVERSIGHT)
def newest(
    session: Session, before: int | None = None, action: str | None = None, limit: int = PAGE_SIZE
) -> TrailPage:
    """At most ``limit`` events before sequence ``before`` (None: the newest), newest
    first, optionally of one action (or prefix ``case.*``)."""
    if before is not None and before < 1:
        raise InvalidField("before", "must be at least 1")
    if not 1 <= limit <= 1000:
        raise InvalidField("limit", "must be between 1 and 1000")
    with session.store.begin() as conn:
        scope = access.audit_scope(conn, session.caller)
        found = audit.newest(conn, before, limit + 1, action or None, scope)
        shown = tuple(found[:limit])
        asked = {"before": before, "action": action or None, "limit": limit}
        _record_reading(conn, session, scope, asked, len(shown))
    older = shown[-1].seq if len(found) > limit else None
    return TrailPage(shown, action or None, before, older)


def _record_reading(
    conn: Connection,
    session: Session,
    scope: audit.Scope | None,
    asked: dict[str, Any],
    shown: int,
) -> None:
    """Reading the trail is itself an event, in the reading's transaction."""
    detail = {**asked, "cases": "all" if scope is None else scope.as_detail(), "shown": shown}
    audit.record(conn, session.actor, "audit.show", "audit", detail)
