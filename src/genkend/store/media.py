"""Media in the store: a case's distinct contents, their locations, look-alike pairs.

Plain functions on a connection; the caller owns the transaction. Invariants (the schema
holds them): a content appears once per case (unique SHA-256); a location appears once
per evidence source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, true
from sqlalchemy.exc import DataError, IntegrityError

from genkend.store.schema import evidence_sources, faces, media, media_locations, similar_media

# ---------------------------------------------------------------- writing


def existing_ids(conn: Connection, case_id: str, shas: Sequence[str]) -> dict[str, int]:
    """The ids of the case's media among these SHA-256 values."""
    if not shas:
        return {}
    rows = conn.execute(
        select(media.c.sha256, media.c.id).where(
            media.c.case_id == case_id, media.c.sha256.in_(shas)
        )
    )
    return {r.sha256: r.id for r in rows}


def add(conn: Connection, **values: Any) -> int:
    """A new media row; its id."""
    return int(conn.execute(insert(media).values(**values).returning(media.c.id)).scalar_one())


def add_location(conn: Connection, **values: Any) -> None:
    conn.execute(insert(media_locations).values(**values))


def add_faces(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(faces), rows)


def add_similar(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(similar_media), rows)


def done_locations(conn: Connection, source_pk: int) -> set[str]:
    """The locations of a source already recorded (what a resumed run skips)."""
    rows = conn.execute(
        select(media_locations.c.location).where(media_locations.c.source_pk == source_pk)
    )
    return {r.location for r in rows}


def case_pdqs(conn: Connection, case_id: str, min_quality: int) -> list[Row[Any]]:
    """(id, pdq) of the case's pictures whose PDQ hash has at least ``min_quality``."""
    query = select(media.c.id, media.c.pdq).where(
        media.c.case_id == case_id,
        media.c.pdq.is_not(None),
        media.c.pdq_quality >= min_quality,
    )
    return list(conn.execute(query))


# ---------------------------------------------------------------- reading


def ids_of_case(conn: Connection, case_id: str) -> list[int]:
    query = select(media.c.id).where(media.c.case_id == case_id).order_by(media.c.id)
    return list(conn.execute(query).scalars().all())


def rows(conn: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    return list(conn.execute(select(media).where(media.c.id.in_(ids)).order_by(media.c.id)))


def _with_source() -> Any:
    return select(evidence_sources.c.source_id, media_locations).join(
        evidence_sources, evidence_sources.c.id == media_locations.c.source_pk
    )


def locations_of(conn: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    """The locations of these media, each with its source's id, in recording order."""
    query = _with_source().where(media_locations.c.media_id.in_(ids))
    return list(conn.execute(query.order_by(media_locations.c.id)))


def unread_locations(conn: Connection, case_id: str) -> list[Row[Any]]:
    """The case's locations that have no content (unreadable), in recording order."""
    query = _with_source().where(
        evidence_sources.c.case_id == case_id, media_locations.c.media_id.is_(None)
    )
    return list(conn.execute(query.order_by(media_locations.c.id)))


def read_out_at(conn: Connection, places: Sequence[tuple[int, str]]) -> list[Row[Any]]:
    """Those of these (source_pk, location) places recorded as read out of a file-system
    image (``file_system`` set): the containers of archive members found in one."""
    found: list[Row[Any]] = []
    by_source: dict[int, set[str]] = {}
    for source_pk, where in places:
        by_source.setdefault(source_pk, set()).add(where)
    for source_pk, wanted in by_source.items():
        names = sorted(wanted)
        for start in range(0, len(names), 500):
            query = select(media_locations).where(
                media_locations.c.source_pk == source_pk,
                media_locations.c.location.in_(names[start : start + 500]),
                media_locations.c.file_system.is_not(None),
            )
            found += conn.execute(query)
    return found


def similar_of(conn: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    """The look-alike pairs that have one of these media on either side."""
    query = select(similar_media).where(
        similar_media.c.media_id.in_(ids) | similar_media.c.other_id.in_(ids)
    )
    return list(conn.execute(query))


def _of_source(source_pk: int) -> Any:
    """The source's locations joined to their content (none for an unread location)."""
    joined = media_locations.outerjoin(media, media.c.id == media_locations.c.media_id)
    return joined, media_locations.c.source_pk == source_pk


def kinds_of_source(conn: Connection, source_pk: int) -> dict[str, int]:
    """How many of the source's locations hold each kind of content (``unreadable``:
    none could be read)."""
    joined, mine = _of_source(source_pk)
    kind = func.coalesce(media.c.kind, "unreadable")
    query = select(kind, func.count()).select_from(joined).where(mine).group_by(kind)
    return {str(k): int(n) for k, n in conn.execute(query)}


def source_totals(conn: Connection, source_pk: int) -> tuple[int, int, int]:
    """(locations, deleted locations, bytes of the contents read) of one source."""
    joined, mine = _of_source(source_pk)
    deleted = func.count().filter(media_locations.c.deleted == true())
    query = select(func.count(), deleted, func.coalesce(func.sum(media.c.size), 0))
    found = conn.execute(query.select_from(joined).where(mine)).one()
    return int(found[0]), int(found[1]), int(found[2])


def source_error_counts(conn: Connection, source_pk: int) -> list[tuple[str, int]]:
    """Each error message of the source's locations with how many have it: a location's
    own (it could not be read) or else its content's (read, but not decoded)."""
    joined, mine = _of_source(source_pk)
    message = func.coalesce(media_locations.c.error, media.c.error)
    query = (
        select(message, func.count())
        .select_from(joined)
        .where(mine, message.is_not(None))
        .group_by(message)
    )
    return [(str(m), int(n)) for m, n in conn.execute(query)]


def source_manifest(conn: Connection, source_pk: int) -> Iterator[tuple[str, str | None]]:
    """(location, content SHA-256 or None) of each of the source's locations, in no set
    order (databases collate text differently; the caller sorts)."""
    joined, mine = _of_source(source_pk)
    query = select(media_locations.c.location, media.c.sha256).select_from(joined).where(mine)
    for location, sha256 in conn.execute(query):
        yield str(location), sha256


def case_of(conn: Connection, media_id: int) -> str | None:
    row = conn.execute(select(media.c.case_id).where(media.c.id == media_id)).first()
    return None if row is None else str(row.case_id)


def count(conn: Connection, case_id: str) -> int:
    query = select(func.count()).select_from(media).where(media.c.case_id == case_id)
    return int(conn.execute(query).scalar_one())


# What the store raises for one item's values (a duplicate, a value it cannot hold), as
# opposed to the store itself failing, which ends a run.
ITEM_REFUSED = (IntegrityError, DataError)
