"""Exports of a case for other tools (VICS 2.0): every media item, hashes and locations.

An export takes case content out of the workbench: it states its purpose and legal
basis, and its ``export.vics`` audit event names the file written and its SHA-256.
Invariant: the file appears under its name only once complete (written beside it as
``.partial`` first); a failed write leaves no file and no event.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genkend.errors import WorkspaceError
from genkend.governance import access, audit, cases, checkpoints
from genkend.governance.access import INVESTIGATORS
from genkend.hashes import catalog
from genkend.hashes import digests as hashing
from genkend.hashes.sets.vics_write import VicsCase, write_vics
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class Written:
    """One export file: where it is, its SHA-256, how many media records it holds."""

    case_id: str
    file: Path
    sha256: str
    media: int


@service("export vics", INVESTIGATORS, case="case_id")
def vics(session: Session, case_id: str, output: Path, purpose: str, legal_basis: str) -> Written:
    """Write the case as a VICS 2.0 JSON file at ``output``."""
    access.require_purpose(purpose, legal_basis, "an export")
    partial = output.with_name(output.name + ".partial")
    try:
        with session.store.read() as conn, partial.open("w", encoding="utf-8") as out:
            cases.get(conn, case_id)
            count = catalog.count_media(conn, case_id)
            write_vics(out, VicsCase(case_id=case_id, media=catalog.vics_media(conn, case_id)))
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WorkspaceError(f"cannot write {output}: {exc.strerror or exc}") from exc
    with output.open("rb") as written:
        digest = hashing.digest(written).sha256
    with session.store.begin() as conn:
        detail = {
            "file": str(output.absolute()),
            "sha256": digest,
            "purpose": purpose,
            "legal_basis": legal_basis,
            "media": count,
        }
        audit.record(conn, session.actor, "export.vics", f"case:{case_id}", detail)
    checkpoints.automatic(session.workspace, session.actor, "export")
    return Written(case_id, output, digest, count)
