"""The registry of partner units' public keys: add, list, revoke. Admins only; each
change is an audit event (``governance.partners``)."""

from __future__ import annotations

from pathlib import Path

from genkend.errors import NotFound
from genkend.governance import partners
from genkend.governance.access import ADMINS
from genkend.governance.partners import Partner
from genkend.services.registry import service
from genkend.services.session import Session


@service("partner add", ADMINS)
def add(session: Session, name: str, key_file: Path, fingerprint: str | None = None) -> Partner:
    """Register partner ``name`` with the public key in ``key_file``; when ``fingerprint``
    is given it must be the key's."""
    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise NotFound(f"cannot read key file {key_file}: {exc.strerror or exc}") from exc
    with session.store.begin() as conn:
        return partners.add(conn, session.actor, name, data, str(key_file), fingerprint)


@service("partner list", ADMINS)
def listed(session: Session) -> list[Partner]:
    with session.store.read() as conn:
        return partners.listed(conn)


@service("partner revoke", ADMINS)
def revoke(session: Session, name: str) -> Partner:
    """Mark ``name`` revoked (kept, with time and actor)."""
    with session.store.begin() as conn:
        return partners.revoke(conn, session.actor, name)
