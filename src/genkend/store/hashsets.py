"""Hash sets in the store: the sets, their entries, the listing, and the hits on them.

Plain functions on a connection; the caller owns the transaction. Invariant: a set row
and its entries are written in the caller's one transaction, so a set is never seen
half-imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select

from genkend.store.schema import hash_hits, hash_set_entries, hash_sets


def find(conn: Connection, name: str) -> Row[Any] | None:
    """The set named ``name``, if imported."""
    return conn.execute(select(hash_sets).where(hash_sets.c.name == name)).first()


def add(conn: Connection, **values: Any) -> int:
    """A new set row (entries and problems counted later); its id."""
    return int(
        conn.execute(
            insert(hash_sets).values(entries=0, problems=0, **values).returning(hash_sets.c.id)
        ).scalar_one()
    )


def add_entries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(hash_set_entries), rows)


def set_counts(conn: Connection, set_id: int, entries: int, problems: int) -> None:
    conn.execute(
        hash_sets.update()
        .where(hash_sets.c.id == set_id)
        .values(entries=entries, problems=problems)
    )


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every set by name: its row and ``with_pdq``, how many of its entries have PDQ."""
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


# ---------------------------------------------------------------- entries and hits

# The columns of an entry that triage matches on, in ``hashes.triage.KnownEntry`` order.
ENTRY_FIELDS: tuple[str, ...] = ("id", "hash_set_id", "md5", "sha1", "sha256")
ENTRY_FIELDS += ("category", "series", "non_pertinent")
_ENTRY_COLUMNS = tuple(hash_set_entries.c[name] for name in ENTRY_FIELDS)


def entries_with_pdq(conn: Connection) -> list[Row[Any]]:
    """Every entry carrying a PDQ hash: its ``ENTRY_FIELDS`` and ``pdq`` (hex)."""
    query = select(*_ENTRY_COLUMNS, hash_set_entries.c.pdq)
    return list(conn.execute(query.where(hash_set_entries.c.pdq.is_not(None))))


def entries_matching(conn: Connection, wanted: dict[str, list[str]]) -> list[Row[Any]]:
    """Entries whose digest column (``wanted``'s key: md5, sha1, sha256) is in its list."""
    if not wanted:
        return []
    where = or_(*(hash_set_entries.c[column].in_(values) for column, values in wanted.items()))
    return list(conn.execute(select(*_ENTRY_COLUMNS).where(where)))


def add_hits(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(hash_hits), rows)


def hits_of(conn: Connection, media_ids: Sequence[int]) -> list[Row[Any]]:
    """The hits of these media, each with its set's name and the entry's labels."""
    query = (
        select(
            hash_hits,
            hash_sets.c.name.label("hash_set"),
            hash_set_entries.c.category,
            hash_set_entries.c.series,
            hash_set_entries.c.external_id,
        )
        .join(hash_set_entries, hash_set_entries.c.id == hash_hits.c.entry_id)
        .join(hash_sets, hash_sets.c.id == hash_set_entries.c.hash_set_id)
        .where(hash_hits.c.media_id.in_(media_ids))
        .order_by(hash_hits.c.id)
    )
    return list(conn.execute(query))
