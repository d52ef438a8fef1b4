"""The unit's identity: its Ed25519 signing key, and reading public keys of any unit.

The private key is PKCS#8, encrypted (``BestAvailableEncryption``) at
``<workspace>/keys/unit.key``, owner-only (0600 in a 0700 folder). That encryption
derives its key with PBKDF2 of only 2048 rounds, too cheap against guessing a stolen
file, so its password is not the passphrase itself but Argon2id of it (RFC 9106's
second recommended setting, 64 MiB, 3 passes; salt and parameters stored with it in the
file's small JSON wrapper). It is a file, not a database row, so that a database backup, a database
administrator (PostgreSQL) or a restored copy never holds the signing key, and so that
whoever rewrites the database cannot also sign for the unit without the passphrase.
The public halves live in the store (``unit_keys``): the current key, and every
retired one so that checkpoints signed before a rotation still verify.

A key id is the SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo: the
fingerprint a partner compares over the telephone.

Invariants: no function here returns, logs or writes the private key unencrypted or the
passphrase; ``create`` never replaces a key file unless rotating (then the old private
key is removed and its public key retired, in the same transaction as the audit event).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, NotFound, UsageError
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Connection
from genkend.store import partners as stored

KEY_FOLDER = "keys"
KEY_FILE = "unit.key"
PASSPHRASE_ENV = "GENKEND_KEY_PASSPHRASE"
MIN_PASSPHRASE = 12
KEY_FORMAT = "genkend-unit-key/v1"
# RFC 9106's second recommended Argon2id setting (64 MiB, 3 passes, 1 lane).
KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 1}


class KeyUnusable(UsageError):
    """A key file that cannot be read, or a passphrase that does not open it."""


@dataclass(frozen=True)
class UnitKey:
    """One of the unit's public keys; ``retired_at`` is None for the current one."""

    key_id: str
    public_pem: str
    created_at: str
    created_by: str
    retired_at: str | None = None

    @property
    def current(self) -> bool:
        return self.retired_at is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "algorithm": "ed25519",
            "created_at": self.created_at,
            "created_by": self.created_by,
            "retired_at": self.retired_at,
            "current": self.current,
        }

    def public_key(self) -> Ed25519PublicKey:
        return read_public_key(self.public_pem.encode("ascii"), "the store")


def key_id(public: Ed25519PublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_json(key: UnitKey) -> str:
    """The small JSON form of ``keys export-public``: key id, algorithm and PEM."""
    return json.dumps(
        {"key_id": key.key_id, "algorithm": "ed25519", "public_key_pem": key.public_pem},
        indent=2,
    )


def read_public_key(data: bytes, where: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM, or from the JSON that ``export-public`` writes."""
    text = data.strip()
    if text.startswith(b"{"):
        try:
            text = json.loads(text)["public_key_pem"].encode("ascii")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyUnusable(f"{where} is JSON without a 'public_key_pem' field") from exc
    try:
        loaded = serialization.load_pem_public_key(text)
    except ValueError as exc:
        raise KeyUnusable(f"{where} holds no PEM public key") from exc
    if not isinstance(loaded, Ed25519PublicKey):
        raise KeyUnusable(f"{where} is not an Ed25519 public key")
    return loaded


def key_path(home: Path) -> Path:
    return home / KEY_FOLDER / KEY_FILE


def unit_keys(conn: Connection) -> list[UnitKey]:
    return [
        UnitKey(r.key_id, r.public_pem, r.created_at, r.created_by, r.retired_at)
        for r in stored.unit_key_rows(conn)
    ]


def current(conn: Connection) -> UnitKey | None:
    return next((k for k in unit_keys(conn) if k.current), None)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"a key passphrase needs at least {MIN_PASSPHRASE} characters")


def create(
    conn: Connection, home: Path, actor: Actor, passphrase: Callable[[], str], rotate: bool
) -> UnitKey:
    """Make the unit's key (inside the caller's transaction), or refuse to replace one."""
    existing = current(conn)
    path = key_path(home)
    if (existing is not None or path.exists()) and not rotate:
        named = f" (key id {existing.key_id})" if existing else f" ({path} exists)"
        raise AlreadyExists(
            f"this unit already has a signing key{named}; 'keys init --rotate' replaces it"
        )
    secret = passphrase()
    check_passphrase(secret)
    private = Ed25519PrivateKey.generate()
    now = utc_now_text()
    made = UnitKey(key_id(private.public_key()), public_pem(private.public_key()), now, actor.name)
    stored.retire_unit_keys(conn, now, actor.name)
    stored.insert_unit_key(conn, made.key_id, made.public_pem, now, actor.name)
    detail = {"key_id": made.key_id, "algorithm": "ed25519", "file": str(path)}
    if existing is not None:
        detail["retired_key_id"] = existing.key_id
    audit.record(conn, actor, "keys.rotate" if rotate else "keys.init", "unit-key", detail)
    _write_private(path, private, secret)
    return made


def _stretched(passphrase: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    """The PKCS#8 password: Argon2id of the passphrase (hex, so any PEM reader takes it)."""
    raw = hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_cost"],
        parallelism=kdf["parallelism"],
        hash_len=32,
        type=Type.ID,
    )
    return raw.hex().encode("ascii")


def _write_private(path: Path, private: Ed25519PrivateKey, passphrase: str) -> None:
    """Write the encrypted key owner-only, replacing an old one only in one rename."""
    salt = os.urandom(16)
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_stretched(passphrase, salt, KDF)),
    )
    wrapper = {
        "format": KEY_FORMAT,
        "kdf": {"name": "argon2id", "salt": salt.hex(), **KDF},
        "pkcs8_pem": encrypted.decode("ascii"),
    }
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        json.dump(wrapper, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


def signing_key(conn: Connection, home: Path, passphrase: str) -> tuple[UnitKey, Ed25519PrivateKey]:
    """The current unit key, opened with ``passphrase``; a clear error otherwise."""
    known = current(conn)
    path = key_path(home)
    if known is None or not path.exists():
        raise NotFound("this unit has no signing key yet: an admin runs 'genkend keys init'")
    try:
        wrapper = json.loads(path.read_text(encoding="ascii"))
        kdf = wrapper["kdf"]
        password = _stretched(passphrase, bytes.fromhex(kdf["salt"]), {k: int(kdf[k]) for k in KDF})
        pem = wrapper["pkcs8_pem"].encode("ascii")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyUnusable(f"{path} is not a genkend unit key file") from exc
    try:
        private = serialization.load_pem_private_key(pem, password)
    except (ValueError, TypeError) as exc:
        raise KeyUnusable(f"the key passphrase does not open {path}") from exc
    if not isinstance(private, Ed25519PrivateKey) or key_id(private.public_key()) != known.key_id:
        raise KeyUnusable(f"{path} is not the unit's current key {known.key_id}")
    return known, private
