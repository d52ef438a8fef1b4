"""The registry of partner units: the public keys this unit accepts signatures from.

A partner is added by name with its public key (PEM or the JSON of ``keys
export-public``) and, as the check that the file is the partner's, the fingerprint the
partner read out over another channel; revoking keeps the partner, marked with time and
actor, so that what it signed before stays attributable. Each change is an audit event.

Invariant: a partner whose stated fingerprint differs from its key's is never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, InvalidField, NotFound, UsageError
from genkend.governance import audit, keys
from genkend.records import Actor
from genkend.store import Connection
from genkend.store import partners as stored

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")


@dataclass(frozen=True)
class Partner:
    name: str
    key_id: str
    added_at: str
    added_by: str
    revoked_at: str | None = None
    revoked_by: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "revoked": self.revoked}


def normalised_fingerprint(given: str) -> str:
    """A fingerprint as people write it: optional ``SHA256:``, colons, any case."""
    text = given.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise InvalidField("fingerprint", "takes the 64 hex digits of the key's SHA-256")
    return text


def add(
    conn: Connection, actor: Actor, name: str, key_data: bytes, where: str, fingerprint: str | None
) -> Partner:
    if not _NAME.fullmatch(name):
        raise UsageError(f"invalid partner name {name!r}: letters, digits, . _ @ - only")
    public = keys.read_public_key(key_data, where)
    found = keys.key_id(public)
    if fingerprint is not None and normalised_fingerprint(fingerprint) != found:
        raise UsageError(
            f"the fingerprint given for {name} does not match the key in {where}: "
            f"given {normalised_fingerprint(fingerprint)}, the key's is {found}; "
            "nothing was added (check the key file with the partner)"
        )
    if stored.partner_row(conn, name) is not None:
        raise AlreadyExists(f"partner {name} already exists")
    now = utc_now_text()
    stored.insert_partner(conn, name, found, keys.public_pem(public), now, actor.name)
    detail = {"key_id": found, "fingerprint_checked": fingerprint is not None}
    audit.record(conn, actor, "partner.add", f"partner:{name}", detail)
    return Partner(name, found, now, actor.name)


def listed(conn: Connection) -> list[Partner]:
    return [
        Partner(r.name, r.key_id, r.added_at, r.added_by, r.revoked_at, r.revoked_by)
        for r in stored.partner_rows(conn)
    ]


def revoke(conn: Connection, actor: Actor, name: str) -> Partner:
    row = stored.partner_row(conn, name)
    if row is None:
        raise NotFound(f"unknown partner {name!r}")
    if row.revoked_at is not None:
        raise UsageError(f"partner {name} was already revoked at {row.revoked_at}")
    now = utc_now_text()
    stored.revoke_partner(conn, name, now, actor.name)
    audit.record(conn, actor, "partner.revoke", f"partner:{name}", {"key_id": row.key_id})
    return Partner(name, row.key_id, row.added_at, row.added_by, now, actor.name)
