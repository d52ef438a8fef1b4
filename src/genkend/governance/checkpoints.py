"""Audit checkpoints: the chain's head, signed by the unit key, kept outside the database.

A checkpoint is a DSSE envelope (``governance.dsse``) whose payload names a sequence
number, the digest of the chain at that event, the time and the signing key's id. Kept
where the database's administrators cannot reach it (docs/audit-anchoring.md), it
proves later that the chain still extends it: the event at that sequence exists and
its digest is the one signed. So events deleted from the end (the chain is shorter
than a checkpoint) and a chain rewritten with recomputed digests (the digest at the
checkpoint's sequence differs) are found, which the chain alone cannot show.

A rewrite that recomputed every digest can be located only between checkpoints: the
first bad sequence number reported is that of the earliest checkpoint that no longer
holds, and the reason names the last one that still does (the change lies after it).
Edits and swaps without recomputation are found exactly by the chain walk itself.

Invariants: making a checkpoint records an ``audit.checkpoint`` event first, and the
checkpoint anchors that very event, so every checkpoint file is itself in the trail;
``check`` accepts an envelope only when one of the unit's keys (current or retired)
signed it and its payload is well formed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genkend.clock import utc_now_text
from genkend.errors import NotFound, WorkspaceError
from genkend.governance import audit, dsse, keys
from genkend.records import Actor
from genkend.store import Connection
from genkend.store import audit as stored_audit
from genkend.workspace import Workspace

PAYLOAD_TYPE = "application/vnd.genkend.checkpoint+json"
KIND = "genkend.audit.checkpoint/v1"
CHECKPOINT_ACTION = "audit.checkpoint"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint says: the chain held ``head_digest`` at event ``seq``."""

    seq: int
    head_digest: str
    at: str
    key_id: str

    def payload(self) -> bytes:
        body = {
            "kind": KIND,
            "seq": self.seq,
            "head_digest": self.head_digest,
            "at": self.at,
            "key_id": self.key_id,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Anchored:
    """One checkpoint file checked against the chain."""

    file: str
    ok: bool
    reason: str
    checkpoint: Checkpoint | None = None
    first_bad_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "reason": self.reason,
            "checkpoint": self.checkpoint.__dict__ if self.checkpoint else None,
            "first_bad_seq": self.first_bad_seq,
        }


@dataclass(frozen=True)
class AnchorCheck:
    """The chain walked once, and every checkpoint checked against it."""

    chain: audit.Verification
    checked: tuple[Anchored, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.chain.ok and all(c.ok for c in self.checked)

    @property
    def first_bad_seq(self) -> int | None:
        bad = [c.first_bad_seq for c in self.checked if c.first_bad_seq is not None]
        if self.chain.first_bad_seq is not None:
            bad.append(self.chain.first_bad_seq)
        return min(bad) if bad else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "first_bad_seq": self.first_bad_seq,
            "chain": self.chain.__dict__,
            "checkpoints": [c.as_dict() for c in self.checked],
        }


def make(
    conn: Connection, home: Path, actor: Actor, passphrase: str, occasion: str
) -> tuple[Checkpoint, dict[str, Any]]:
    """Record the checkpoint event (caller's transaction) and sign the head it makes."""
    unit_key, private = keys.signing_key(conn, home, passphrase)
    event = audit.record(
        conn, actor, CHECKPOINT_ACTION, "audit", {"key_id": unit_key.key_id, "occasion": occasion}
    )
    made = Checkpoint(event.seq, event.digest, utc_now_text(), unit_key.key_id)
    return made, dsse.seal(made.payload(), PAYLOAD_TYPE, private, unit_key.key_id)


def write(path: Path, envelope: dict[str, Any]) -> None:
    """Write a checkpoint file; never over an existing one (a checkpoint is evidence)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(dsse.to_json(envelope))
    except OSError as exc:
        raise WorkspaceError(f"cannot write checkpoint {path}: {exc.strerror or exc}") from exc


def check(conn: Connection, files: Sequence[tuple[str, bytes]]) -> AnchorCheck:
    """Walk the chain once and check each ``(name, content)`` checkpoint against it."""
    chain = audit.verify(conn)
    trusted = {k.key_id: k.public_key() for k in keys.unit_keys(conn)}
    opened = [(name, _opened(data, trusted)) for name, data in files]
    holding = [c for _, c in opened if isinstance(c, Checkpoint) and _holds(conn, chain, c)]
    last_good = max((c.seq for c in holding), default=None)
    return AnchorCheck(
        chain, tuple(_anchored(conn, chain, name, c, last_good) for name, c in opened)
    )


def _opened(data: bytes, trusted: dict[str, Any]) -> Checkpoint | str:
    """The checkpoint in a file, or why it is refused."""
    try:
        envelope = json.loads(data)
        opened = dsse.open_envelope(envelope, PAYLOAD_TYPE, trusted)
        body = json.loads(opened.payload)
        made = Checkpoint(
            int(body["seq"]), str(body["head_digest"]), str(body["at"]), str(body["key_id"])
        )
    except ValueError as exc:
        return f"refused: {exc}"
    except (KeyError, TypeError) as exc:
        return f"refused: the signed payload is not a checkpoint ({exc})"
    if body.get("kind") != KIND or made.key_id != opened.key_id or made.seq < 1:
        return "refused: the signed payload is not a well-formed checkpoint"
    return made


def _holds(conn: Connection, chain: audit.Verification, made: Checkpoint) -> bool:
    return (
        chain.head_seq >= made.seq
        and (chain.first_bad_seq is None or chain.first_bad_seq > made.seq)
        and stored_audit.digest_at(conn, made.seq) == made.head_digest
    )


def _anchored(
    conn: Connection,
    chain: audit.Verification,
    name: str,
    made: Checkpoint | str,
    last_good: int | None,
) -> Anchored:
    if isinstance(made, str):
        return Anchored(name, False, made)
    if chain.first_bad_seq is not None and chain.first_bad_seq <= made.seq:
        reason = f"the chain breaks at event {chain.first_bad_seq}: {chain.reason}"
        return Anchored(name, False, reason, made, chain.first_bad_seq)
    if chain.head_seq < made.seq:
        reason = (
            f"the chain ends at event {chain.head_seq} but this checkpoint signed event "
            f"{made.seq}: events {chain.head_seq + 1}..{made.seq} were removed from the end"
        )
        return Anchored(name, False, reason, made, chain.head_seq + 1)
    if stored_audit.digest_at(conn, made.seq) != made.head_digest:
        since = (
            f"after event {last_good} (the last checkpoint that holds)"
            if last_good is not None and last_good < made.seq
            else "at or before it"
        )
        reason = (
            f"the chain's digest at event {made.seq} is not the signed one: the chain was "
            f"rewritten and its digests recomputed; the change lies {since}"
        )
        return Anchored(name, False, reason, made, made.seq)
    return Anchored(name, True, f"the chain extends this checkpoint (event {made.seq})", made)


def folder(home: Path, configured: str | None) -> Path:
    """Where automatic checkpoints go: the setting ``checkpoint_dir``, else
    ``<workspace>/checkpoints``."""
    return Path(configured).expanduser() if configured else home / "checkpoints"


def automatic(workspace: Workspace, actor: Actor, occasion: str) -> Path | None:
    """The checkpoint at the end of an ingest, search or export: one signature.

    Without a unit key, or without the passphrase in ``GENKEND_KEY_PASSPHRASE`` (or
    with a wrong one), an unsigned checkpoint would anchor nothing: it is skipped with
    a one-line warning and an ``audit.checkpoint.skipped`` event saying why; so is a
    checkpoint that cannot be written (its ``audit.checkpoint`` event then stands
    without a file, and the skip event says why). The run itself has succeeded
    either way; nothing here undoes it.
    """
    passphrase = os.environ.get(keys.PASSPHRASE_ENV)
    store, home = workspace.store, workspace.home
    try:
        with store.begin() as conn:
            if keys.current(conn) is None:
                raise _Skipped("this unit has no signing key ('genkend keys init')")
            if not passphrase:
                raise _Skipped(f"{keys.PASSPHRASE_ENV} is not set")
            made, envelope = make(conn, home, actor, passphrase, occasion)
        path = folder(home, workspace.settings.checkpoint_dir) / f"checkpoint-{made.seq:012d}.json"
        write(path, envelope)
    except (_Skipped, keys.KeyUnusable, NotFound, WorkspaceError) as exc:
        _skipped(workspace, actor, occasion, str(exc))
        return None
    return path


def _skipped(workspace: Workspace, actor: Actor, occasion: str, reason: str) -> None:
    log.warning("no audit checkpoint after this %s: %s", occasion, reason)
    with workspace.store.begin() as conn:
        detail = {"occasion": occasion, "reason": reason}
        audit.record(conn, actor, CHECKPOINT_ACTION + ".skipped", "audit", detail)


class _Skipped(Exception):
    """Why an automatic checkpoint cannot be signed."""
