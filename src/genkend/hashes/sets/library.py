"""The hash-set library of a workspace: importing sets into the store and listing them.

An import is one transaction: the set, all its usable entries, and its
``hashset.import`` audit event (with the count and the first problems) are committed
together or not at all. Invariants: a set's name is unique; a file with no usable
entry is refused (``HashSetError``), never registered as an empty set; importing the same file
under the same name again changes nothing (idempotent, recognised by the file's
SHA-256); a different file under an existing name is refused, so hits recorded against
a set always refer to the entries they were found with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, HashSetError
from genkend.governance import audit
from genkend.hashes import digests as hashing
from genkend.hashes.sets import PROJECT_VIC_US, detect_format, read
from genkend.hashes.sets.files import open_raw
from genkend.records import Actor, HashSetEntry, ParseProblem
from genkend.store import Store
from genkend.store.schema import hash_set_entries, hash_sets

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


def import_file(
    store: Store,
    actor: Actor,
    path: Path,
    name: str,
    fmt: str | None = None,
    non_pertinent: bool = False,
) -> ImportResult:
    """Import ``path`` as hash set ``name``.

    ``non_pertinent`` marks every entry as known and irrelevant (a list of operating-system
    or application files, like NSRL), whatever the file says.
    """
    path = Path(path)
    with open_raw(path) as stream:
        try:
            file_sha256 = hashing.digest(stream).sha256
        except OSError as exc:
            raise HashSetError(f"cannot read hash set {path}: {exc.strerror or exc}") from exc
    fmt = fmt or detect_format(path)
    with store.begin() as conn:
        existing = conn.execute(select(hash_sets).where(hash_sets.c.name == name)).first()
        if existing is not None:
            if existing.file_sha256 == file_sha256:
                return ImportResult(
                    name,
                    existing.id,
                    existing.format,
                    existing.entries,
                    existing.problems,
                    unchanged=True,
                )
            raise AlreadyExists(
                f"hash set {name!r} was imported from another file "
                f"(sha256 {existing.file_sha256[:12]}...); import this one under a new name"
            )
        set_id = int(
            conn.execute(
                insert(hash_sets)
                .values(
                    name=name,
                    format=fmt,
                    profile=PROJECT_VIC_US.name,
                    file_name=str(path),
                    file_sha256=file_sha256,
                    entries=0,
                    problems=0,
                    imported_at=utc_now_text(),
                    imported_by=actor.name,
                )
                .returning(hash_sets.c.id)
            ).scalar_one()
        )
        result = ImportResult(name, set_id, fmt)
        entries = read(path, fmt)
        if non_pertinent:
            entries = (_irrelevant(e) for e in entries)
        _insert_entries(conn, set_id, entries, result)
        if result.entries == 0:
            # Raised inside the transaction, so the empty set is never registered.
            raise HashSetError(_no_entry(path, result))
        conn.execute(
            hash_sets.update()
            .where(hash_sets.c.id == set_id)
            .values(entries=result.entries, problems=result.problem_count)
        )
        audit.record(
            conn,
            actor,
            "hashset.import",
            f"hashset:{name}",
            {
                "file": str(path),
                "sha256": file_sha256,
                "format": fmt,
                "non_pertinent": non_pertinent,
                "entries": result.entries,
                "problems": result.problem_count,
                "first_problems": [
                    f"{p.position}: {p.message}" for p in result.problems[:PROBLEMS_IN_AUDIT]
                ],
            },
        )
    return result


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
            conn.execute(insert(hash_set_entries), rows)
            result.entries += len(rows)
            rows.clear()
    if rows:
        conn.execute(insert(hash_set_entries), rows)
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


def list_sets(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        pdq_counts: dict[int, int] = dict(
            conn.execute(
                select(hash_set_entries.c.hash_set_id, func.count())
                .where(hash_set_entries.c.pdq.is_not(None))
                .group_by(hash_set_entries.c.hash_set_id)
            ).all()
        )
        return [
            {**row._asdict(), "with_pdq": pdq_counts.get(row.id, 0)}
            for row in conn.execute(select(hash_sets).order_by(hash_sets.c.name))
        ]
