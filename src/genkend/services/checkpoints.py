"""Signed audit checkpoints: write one now, verify the chain against kept ones. (The
automatic one at the end of every ingest, search and export is
``governance.checkpoints.automatic``, the last step of those use cases.)

Writing one signs with the unit key, so it needs the passphrase; the oversight roles
may (an auditor anchoring the trail is the point). Verifying is an oversight role too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from genkend.errors import NotFound
from genkend.governance import checkpoints, dsse
from genkend.governance.access import OVERSIGHT
from genkend.governance.checkpoints import AnchorCheck, Checkpoint
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class Written:
    checkpoint: Checkpoint
    path: Path
    envelope_json: str


@service("audit checkpoint", OVERSIGHT)
def write(session: Session, output: Path, key_passphrase: str) -> Written:
    """Sign the chain's head (after recording the checkpoint event) and write it."""
    with session.store.begin() as conn:
        made, envelope = checkpoints.make(
            conn, session.workspace.home, session.actor, key_passphrase, "audit checkpoint"
        )
    checkpoints.write(output, envelope)
    return Written(made, output, dsse.to_json(envelope))


@service("audit verify", OVERSIGHT)
def verify(session: Session, files: Sequence[Path]) -> AnchorCheck:
    """The chain walked once, and each checkpoint file checked against it."""
    contents = []
    for path in files:
        try:
            contents.append((str(path), path.read_bytes()))
        except OSError as exc:
            raise NotFound(f"cannot read checkpoint {path}: {exc.strerror or exc}") from exc
    # Read only, as 'audit verify' is: an event appended to a chain cut at its end
    # would take the place of the first removed one.
    with session.store.read() as conn:
        found = checkpoints.check(conn, contents)
    return found
