"""Reviewer welfare: how much imagery the calling account revealed today, and whether a
break is due.

The counter is read from the audit events the account made (``media.reveal`` and
``face.reveal``) on the UTC day, through the index ``ix_audit_events_actor_action_at``;
a break is a ``welfare.break`` event, which restarts the count towards the reminder
(setting ``welfare_break_after``; 0: never) but not the day's count. Any enabled account
may ask (a page header can show the counter to everyone: an auditor's is simply 0,
since auditors and admins are shown no imagery). Invariant: the figures are about the
caller only, and nothing but ``take_break`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from genkend.clock import to_text, utc_now
from genkend.governance import audit
from genkend.governance.access import ANYONE
from genkend.services.registry import service
from genkend.services.session import Session
from genkend.store import welfare as stored

REVEALS = ("media.reveal", "face.reveal")
BREAK = "welfare.break"


@dataclass(frozen=True)
class Exposure:
    """The caller's reveals on ``day`` (UTC) and the break reminder's state."""

    account: str
    day: str  # YYYY-MM-DD, UTC
    reveals: int
    first_reveal: str | None
    last_reveal: str | None
    last_break: str | None  # today's
    since_break: int  # reveals since the last break today (or since midnight)
    break_after: int  # the setting; 0: no reminder
    break_due: bool


@service("welfare exposure", ANYONE)
def exposure(session: Session) -> Exposure:
    """The calling account's exposure today."""
    now = utc_now()
    midnight = to_text(datetime.combine(now.date(), time.min, now.tzinfo))
    name = session.caller.name
    with session.store.read() as conn:
        count, first, last = stored.events_since(conn, name, REVEALS, midnight)
        _, _, last_break = stored.events_since(conn, name, (BREAK,), midnight)
        since_break = (
            count if last_break is None else stored.events_since(conn, name, REVEALS, last_break)[0]
        )
    after = session.settings.welfare_break_after
    return Exposure(
        account=name,
        day=now.date().isoformat(),
        reveals=count,
        first_reveal=first,
        last_reveal=last,
        last_break=last_break,
        since_break=since_break,
        break_after=after,
        break_due=after > 0 and since_break >= after,
    )


@service("welfare break", ANYONE)
def take_break(session: Session) -> Exposure:
    """Record that the caller takes a break (``welfare.break``); the exposure after it."""
    with session.store.begin() as conn:
        audit.record(conn, session.actor, BREAK, f"account:{session.caller.name}")
    return exposure(session)
