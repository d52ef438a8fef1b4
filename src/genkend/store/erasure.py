"""Erasing for real in the store: deleting a row with everything that depends on it, and
making the bytes of erased rows gone from the database files.

``delete_dependents`` follows the schema's foreign keys, so a table added later is
included without changing it. ``erasing`` is a write transaction whose deletions
overwrite the freed space on SQLite (``secure_delete``); ``compact`` checkpoints and
truncates SQLite's WAL and rebuilds the file with ``VACUUM``, or rewrites the touched
PostgreSQL tables with ``VACUUM (FULL)``. The rules of what is due stay in
``governance.retention``.

Invariant: only genkend's own table names ever reach a ``VACUUM`` statement.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, delete, false, or_, select
from sqlalchemy.exc import DBAPIError

from genkend.store import Store
from genkend.store.schema import metadata

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Compaction:
    """Whether the erased bytes were also removed from the database files."""

    dialect: str
    complete: bool
    detail: str


def delete_dependents(
    conn: Connection, root: Table, predicate: ColumnElement[bool], keep: frozenset[str]
) -> dict[str, int]:
    """Delete the root's selected rows and every row that refers to them, children first.

    Dependence follows the schema's foreign keys, so a table added later is included
    without changing this function. Tables in ``keep`` stay, and rows that refer only
    to kept rows stay with them. Returns the rows deleted per table, tables with none left out.
    """
    doomed = _doomed(root, predicate, keep)
    counts: dict[str, int] = {}
    for table in reversed(metadata.sorted_tables):
        where = doomed.get(table.name)
        if where is None or table.name in keep:
            continue
        deleted = conn.execute(delete(table).where(where)).rowcount
        if deleted:
            counts[table.name] = int(deleted)
    return counts


def _doomed(
    root: Table, predicate: ColumnElement[bool], keep: frozenset[str]
) -> dict[str, ColumnElement[bool]]:
    """Per table, the condition selecting rows that depend on the root's selected rows."""
    doomed: dict[str, ColumnElement[bool]] = {root.name: predicate}
    for table in metadata.sorted_tables:  # parents come before their children
        if table.name in doomed or table.name in keep:
            continue
        clauses = [
            fk.parent.in_(select(fk.column).where(doomed[fk.column.table.name]))
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
            if fk.column.table.name in doomed
        ]
        if clauses:
            doomed[table.name] = or_(false(), *clauses)
    return doomed


# ---------------------------------------------------------------- making bytes gone


@contextmanager
def erasing(store: Store) -> Iterator[Connection]:
    """A write transaction whose deletions overwrite the freed space (SQLite)."""
    with store.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        yield conn


def compact(store: Store, tables: Iterable[str]) -> Compaction:
    """Rewrite the database files so that erased rows leave no bytes behind."""
    if store.dialect == "sqlite":
        return _compact_sqlite(store)
    return _compact_postgresql(store, sorted(tables))


def _compact_sqlite(store: Store) -> Compaction:
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        # VACUUM writes the rebuilt pages through the WAL; copy them home, empty the WAL
        busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    except sqlite3.Error as exc:
        log.warning("retention: could not compact the SQLite database: %s", exc)
        return Compaction("sqlite", False, f"VACUUM failed: {exc}")
    finally:
        raw.close()
    if busy:
        return Compaction(
            "sqlite",
            False,
            "another process was reading: the WAL could not be emptied and may still hold "
            "erased pages until the next checkpoint",
        )
    return Compaction("sqlite", True, "secure_delete, WAL checkpointed and truncated, VACUUM")


def _compact_postgresql(store: Store, tables: Sequence[str]) -> Compaction:
    known = {t.name for t in metadata.sorted_tables}
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in tables:
                if name in known:  # only our own table names ever reach the statement
                    conn.exec_driver_sql(f'VACUUM (FULL) "{name}"')
    except DBAPIError as exc:
        log.warning("retention: could not VACUUM (FULL): %s", exc.orig or exc)
        return Compaction("postgresql", False, f"VACUUM (FULL) failed: {exc.orig or exc}")
    return Compaction("postgresql", True, f"VACUUM (FULL) of {', '.join(tables)}")
