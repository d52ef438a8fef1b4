"""Known hash sets: import a set (VICS, ICSE, NSRL, plain) and list the imported ones.

Invariant: an import is one transaction holding the set, its entries and its
``hashset.import`` audit event; re-importing the same file under the same name changes
nothing and records nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genkend.governance import audit
from genkend.governance.access import ANYONE, INVESTIGATORS, SUPERVISORS
from genkend.hashes.sets import library
from genkend.hashes.sets.library import ImportResult
from genkend.services.registry import service
from genkend.services.session import Session
from genkend.store import hashsets as store


@service("hashset import", INVESTIGATORS | SUPERVISORS)
def import_set(
    session: Session,
    file: Path,
    name: str,
    fmt: str | None = None,
    non_pertinent: bool = False,
) -> ImportResult:
    """Import ``file`` as hash set ``name``; bad items are counted, the rest imports."""
    sha256 = library.file_sha256(Path(file))
    with session.store.begin() as conn:
        result = library.import_file(
            conn, session.actor.name, Path(file), sha256, name, fmt, non_pertinent
        )
        if not result.unchanged:
            detail = library.audit_detail(Path(file), result, non_pertinent)
            audit.record(conn, session.actor, "hashset.import", f"hashset:{name}", detail)
    return result


@service("hashset list", ANYONE)
def list_sets(session: Session) -> list[dict[str, Any]]:
    """The imported sets by name, each with how many of its entries carry a PDQ hash."""
    with session.store.read() as conn:
        return store.listing(conn)
