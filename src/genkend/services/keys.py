"""The unit's signing key: create (or rotate) it, show its fingerprint, export its
public half. Admins only; each change is audited by ``governance.keys``.

Invariant: the passphrase reaches these functions only as a callable asked once, and
no record they return holds it or the private key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from genkend.errors import NotFound, WorkspaceError
from genkend.governance import audit, keys
from genkend.governance.access import ADMINS
from genkend.governance.keys import UnitKey
from genkend.services.registry import service
from genkend.services.session import Session


@service("keys init", ADMINS)
def init(session: Session, passphrase: Callable[[], str], rotate: bool = False) -> UnitKey:
    """Create the unit's Ed25519 key; refuse when one exists unless ``rotate``."""
    with session.store.begin() as conn:
        return keys.create(conn, session.workspace.home, session.actor, passphrase, rotate)


@service("keys show", ADMINS)
def show(session: Session) -> list[UnitKey]:
    """The unit's keys, current and retired, oldest first."""
    with session.store.read() as conn:
        return keys.unit_keys(conn)


@service("keys export-public", ADMINS)
def export_public(session: Session, output: Path, as_json: bool = False) -> UnitKey:
    """Write the current public key (PEM, or JSON with its key id) to ``output``."""
    with session.store.begin() as conn:
        found = keys.current(conn)
        if found is None:
            raise NotFound("this unit has no signing key yet: run 'genkend keys init'")
        text = keys.public_json(found) if as_json else found.public_pem
        try:
            output.write_text(text, encoding="ascii")
        except OSError as exc:
            raise WorkspaceError(f"cannot write {output}: {exc.strerror or exc}") from exc
        detail = {"key_id": found.key_id, "file": str(output.absolute())}
        audit.record(conn, session.actor, "keys.export-public", "unit-key", detail)
    return found
