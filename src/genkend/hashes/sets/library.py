"""The hash-set library of a workspace: the rules of importing a set into the store.

An import is one transaction, which ``services.hashsets`` owns: the set, all its usable
entries, and its ``hashset.import`` audit event (with the count and the first problems)
are committed together or not at all. Invariants: a set's name is unique; a file with no
usable entry is refused (``HashSetError``), never registered as an empty set; importing
the same file under the same name again changes nothing (idempotent, recognised by the
file's SHA-256); a different file under an existing name is refused, so hits recorded
against a set always refer to the entries they were found with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, HashSetError
from genkend.hashes import digests as hashing
from genkend.hashes.sets import PROJECT_VIC_US, detect_format, read
from genkend.hashes.sets.files import open_raw
from genkend.records import HashSetEntry, ParseProblem
from genkend.store import hashsets as store

if TYPE_CHECKING:
    from genkend.store import Connection

INSERT_BATCH = 5000
PROBLEMS_IN_AUDIT = 20
PROBLEMS_KEPT = 1000


@dataclass
class ImportResult:
    name: str
    hash_set_id: int
    format: str
    entries: int = 0
    problem_count: int = 0
    problems: list[ParseProblem] = field(default_factory=list)
    unchanged: bool = False
    file_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hash_set_id": self.hash_set_id,
            "format": self.format,
            "entries": self.entries,
            "problem_count": self.problem_count,
            "problems": [{"position": p.position, "message": p.message} for p in self.problems],
            "unchanged": self.unchanged,
        }


def file_sha256(path: Path) -> str:
    """The SHA-256 of the hash-set file, which recognises a re-import of the same file."""
    with open_raw(path) as stream:
        try:
            return hashing.digest(stream).sha256
        except OSError as exc:
            raise HashSetError(f"cannot read hash set {path}: {exc.strerror or exc}") from exc


def import_file(
    conn: Connection,
    importer: str,
    path: Path,
    sha256: str,
    name: str,
    fmt: str | None = None,
    non_pertinent: bool = False,
) -> ImportResult:
    """Import ``path`` as hash set ``name`` in the caller's transaction.

    ``non_pertinent`` marks every entry as known and irrelevant (a list of operating-system
    or application files, like NSRL), whatever the file says. ``importer`` is the name of
    the account importing it; ``sha256`` the file's (``file_sha256``, taken before the
    transaction began).
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    existing = store.find(conn, name)
    if existing is not None:
        if existing.file_sha256 == sha256:
            return ImportResult(
                name,
                existing.id,
                existing.format,
                existing.entries,
                existing.problems,
                unchanged=True,
                file_sha256=sha256,
            )
        raise AlreadyExists(
            f"hash set {name!r} was imported from another file "
            f"(sha256 {existing.file_sha256[:12]}...); import this one under a new name"
        )
    set_id = store.add(
        conn,
        name=name,
        format=fmt,
        profile=PROJECT_VIC_US.name,
        file_name=str(path),
        file_sha256=sha256,
        imported_at=utc_now_text(),
        imported_by=importer,
    )
    result = ImportResult(name, set_id, fmt, file_sha256=sha256)
    entries = read(path, fmt)
    if non_pertinent:
        entries = (_irrelevant(e) for e in entries)
    _insert_entries(conn, set_id, entries, result)
    if result.entries == 0:
        # Raised inside the transaction, so the empty set is never registered.
        raise HashSetError(_no_entry(path, result))
    store.set_counts(conn, set_id, result.entries, result.problem_count)
    return result


def audit_detail(path: Path, result: ImportResult, non_pertinent: bool) -> dict[str, Any]:
    """What the ``hashset.import`` event records of an import."""
    return {
        "file": str(path),
        "sha256": result.file_sha256,
        "format": result.format,
        "non_pertinent": non_pertinent,
        "entries": result.entries,
        "problems": result.problem_count,
        "first_problems": [
            f"{p.position}: {p.message}" for p in result.problems[:PROBLEMS_IN_AUDIT]
        ],
    }


def _insert_entries(
    conn: Connection,
    set_id: int,
    items: Iterator[HashSetEntry | ParseProblem],
    result: ImportResult,
) -> None:
    rows: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, ParseProblem):
            result.problem_count += 1
            if len(result.problems) < PROBLEMS_KEPT:
                result.problems.append(item)
            continue
        rows.append(_row(set_id, item))
        if len(rows) >= INSERT_BATCH:
            store.add_entries(conn, rows)
            result.entries += len(rows)
            rows.clear()
    if rows:
        store.add_entries(conn, rows)
        result.entries += len(rows)


def _no_entry(path: Path, result: ImportResult) -> str:
    first = result.problems[0] if result.problems else None
    problems = f"{result.problem_count} problem(s)" + (
        f", first at {first.position}: {first.message}" if first else ""
    )
    return f"{path} has no usable entry ({problems}); no hash set imported"


def _irrelevant(item: HashSetEntry | ParseProblem) -> HashSetEntry | ParseProblem:
    return replace(item, non_pertinent=True) if isinstance(item, HashSetEntry) else item


def _row(set_id: int, entry: HashSetEntry) -> dict[str, Any]:
    return {
        "hash_set_id": set_id,
        "md5": entry.md5,
        "sha1": entry.sha1,
        "sha256": entry.sha256,
        "pdq": entry.pdq.hex() if entry.pdq else None,
        "category": entry.category,
        "series": entry.series,
        "non_pertinent": entry.non_pertinent,
        "victim_identified": entry.victim_identified,
        "distributed": entry.distributed,
        "external_id": entry.external_id,
        "file_name": entry.file_name,
        "alternative_hashes": json.dumps(entry.alternative_hashes, sort_keys=True)
        if entry.alternative_hashes
        else None,
    }
