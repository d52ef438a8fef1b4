"""The store's schema: its revision (anyone) and its migration (admins, audited); and
serving the workspace (admins, audited).

Invariants: a migration that changed the revision is recorded as ``store.migrate``;
every start of the web server is recorded as ``workspace.served``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from genkend.governance import access, audit
from genkend.governance.access import ADMINS, ANYONE
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class Revision:
    """Where the store is, and the newest schema revision this genkend knows."""

    url: str
    dialect: str
    revision: str | None
    head: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Migration:
    url: str
    before: str | None
    after: str


@service("db current", ANYONE)
def current(session: Session) -> Revision:
    """The store's URL (without password), dialect and schema revision."""
    store = session.store
    return Revision(
        store.display_url, store.dialect, store.current_revision(), store.head_revision()
    )


@service("db upgrade", ADMINS)
def upgrade(session: Session) -> Migration:
    """Migrate the store to this genkend's schema."""
    before, after = session.store.upgrade()
    if before != after:
        with session.store.begin() as conn:
            audit.record(
                conn, session.actor, "store.migrate", "store", {"from": before, "to": after}
            )
    return Migration(session.store.display_url, before, after)


@service("serve", ADMINS)
def serve(session: Session) -> None:
    """Record that the web server starts on this workspace: from now on local commands
    act only as the operator or as the account of ``GENKEND_TOKEN`` (docs/security.md)."""
    access.mark_served(session.store, session.actor)
