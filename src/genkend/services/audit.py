"""The audit log: verify its hash chain (with the checks of every biometric search) and
read its events.

Oversight roles only. Auditors read every event; supervisors and admins the events of
their own cases (``access.audit_scope``). Reading the trail is a consultation, itself
recorded (``audit.show``) in the same transaction (LED Art. 25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.errors import InvalidField
from genkend.governance import access, audit, oversight
from genkend.governance.access import OVERSIGHT
from genkend.governance.audit import AuditEvent
from genkend.services.registry import service
from genkend.services.session import Session


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


@service("audit show", OVERSIGHT)
def show(session: Session, since: int = 0, action: str | None = None) -> list[AuditEvent]:
    """Events after ``since``, optionally of one action (or prefix ``case.*``)."""
    with session.store.begin() as conn:
        scope = access.audit_scope(conn, session.caller)
        found = list(audit.events(conn, since, action, scope))
        audit.record(
            conn,
            session.actor,
            "audit.show",
            "audit",
            {
                "since": since,
                "action": action,
                "cases": "all" if scope is None else scope.as_detail(),
                "shown": len(found),
            },
        )
    return found
