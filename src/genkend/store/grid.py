"""The triage grid and the case dashboard in the store: keyset pages of a case's media,
the case's figures, its ingest runs, and the locations a picture is read back from.

Plain functions on a connection; the caller owns the transaction. Invariants: a page is
``WHERE case_id = ? AND id > :after [AND filter] ORDER BY id LIMIT :limit + 1`` on the
indexes ``ix_media_case_id_id``, ``ix_media_case_status_id`` and the partial
``ix_media_case_errors`` (never OFFSET, never a count per page); "has faces" is an
EXISTS on ``faces.media_id`` (indexed), so a page never scans the case's faces; each
dashboard figure is one grouped query (errors on partial indexes of the failed rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, exists, func, select, true

from genkend.store.schema import clusters, evidence_sources, faces, media, media_locations

# The grid's filters, each a condition on a media row.
FILTERS = (
    "all",
    "new",
    "known",
    "categorised",
    "near_known",
    "non_pertinent",
    "has_faces",
    "errors",
)


def _categorised() -> ColumnElement[bool]:
    # as triage decides: category 0 (or none) is not a pertinent category
    return and_(media.c.status == "known", media.c.category > 0)


def _condition(filter: str) -> ColumnElement[bool]:
    if filter == "all":
        return true()
    if filter in ("new", "known", "near_known", "non_pertinent"):
        return media.c.status == filter
    if filter == "categorised":
        return _categorised()
    if filter == "has_faces":
        return exists().where(faces.c.media_id == media.c.id)
    if filter == "errors":
        return media.c.error.is_not(None)
    raise ValueError(f"unknown grid filter {filter!r}")


def page(conn: Connection, case_id: str, filter: str, after: int | None, limit: int) -> list[Any]:
    """Up to ``limit + 1`` media rows of the case past ``after`` (by id) that pass
    ``filter``, each with its face count and first location (the extra row says that a
    further page exists)."""
    face_count = (
        select(func.count()).select_from(faces).where(faces.c.media_id == media.c.id)
    ).scalar_subquery()
    first_location = (
        select(media_locations.c.location)
        .where(media_locations.c.media_id == media.c.id)
        .order_by(media_locations.c.id)
        .limit(1)
    ).scalar_subquery()
    query = select(
        media.c.id,
        media.c.kind,
        media.c.mime,
        media.c.size,
        media.c.width,
        media.c.height,
        media.c.status,
        media.c.category,
        media.c.error,
        face_count.label("faces"),
        first_location.label("location"),
    ).where(media.c.case_id == case_id, _condition(filter))
    if after is not None:
        query = query.where(media.c.id > after)
    return list(conn.execute(query.order_by(media.c.id).limit(limit + 1)))


# ---------------------------------------------------------------- dashboard figures


def status_counts(conn: Connection, case_id: str) -> dict[str, int]:
    """How many of the case's media have each triage status (a covering index scan)."""
    query = (
        select(media.c.status, func.count())
        .where(media.c.case_id == case_id)
        .group_by(media.c.status)
    )
    return {str(status): int(n) for status, n in conn.execute(query)}


def categorised_count(conn: Connection, case_id: str) -> int:
    """Known media with a pertinent category (1 or more)."""
    query = select(func.count()).where(media.c.case_id == case_id, _categorised())
    return int(conn.execute(query).scalar_one())


def error_count(conn: Connection, case_id: str) -> int:
    """Media whose analysis failed (on the partial index ``ix_media_case_errors``)."""
    query = select(func.count()).where(media.c.case_id == case_id, media.c.error.is_not(None))
    return int(conn.execute(query).scalar_one())


def unreadable_locations(conn: Connection, case_id: str) -> int:
    """How many of the case's locations could not be read (no content)."""
    query = (
        select(func.count())
        .select_from(media_locations)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(evidence_sources.c.case_id == case_id, media_locations.c.media_id.is_(None))
    )
    return int(conn.execute(query).scalar_one())


def face_counts(conn: Connection, case_id: str) -> tuple[int, int]:
    """(media with a face, faces) of the case."""
    query = select(func.count(faces.c.media_id.distinct()), func.count()).where(
        faces.c.case_id == case_id
    )
    with_faces, total = conn.execute(query).one()
    return int(with_faces), int(total)


def cluster_count(conn: Connection, case_id: str) -> int:
    query = select(func.count()).select_from(clusters).where(clusters.c.case_id == case_id)
    return int(conn.execute(query).scalar_one())


def runs(conn: Connection, case_id: str) -> list[Row[Any]]:
    """The case's evidence sources in creation order, each with the locations its run
    recorded so far and how many of those had an error (read while a run writes)."""
    of_case = media_locations.c.source_pk.in_(
        select(evidence_sources.c.id).where(evidence_sources.c.case_id == case_id)
    )
    recorded = (
        select(media_locations.c.source_pk, func.count().label("n"))
        .where(of_case)
        .group_by(media_locations.c.source_pk)
        .subquery()
    )
    failed = (
        select(media_locations.c.source_pk, func.count().label("n"))
        .where(of_case, media_locations.c.error.is_not(None))
        .group_by(media_locations.c.source_pk)
        .subquery()
    )
    query = (
        select(
            evidence_sources.c.source_id,
            evidence_sources.c.kind,
            evidence_sources.c.status,
            evidence_sources.c.created_at,
            evidence_sources.c.finished_at,
            evidence_sources.c.error,
            evidence_sources.c.run_host,
            evidence_sources.c.run_pid,
            evidence_sources.c.run_process_started,
            func.coalesce(recorded.c.n, 0).label("items"),
            func.coalesce(failed.c.n, 0).label("errors"),
        )
        .outerjoin(recorded, recorded.c.source_pk == evidence_sources.c.id)
        .outerjoin(failed, failed.c.source_pk == evidence_sources.c.id)
        .where(evidence_sources.c.case_id == case_id)
        .order_by(evidence_sources.c.id)
    )
    return list(conn.execute(query))


# ---------------------------------------------------------------- pictures


def readable_locations(conn: Connection, media_id: int) -> list[Row[Any]]:
    """Where a media item was read without error, in recording order: its source's id,
    root and kind, the location and the size recorded."""
    query = (
        select(
            evidence_sources.c.source_id,
            evidence_sources.c.root,
            evidence_sources.c.kind,
            media_locations.c.location,
            media_locations.c.size,
        )
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(media_locations.c.media_id == media_id, media_locations.c.error.is_(None))
        .order_by(media_locations.c.id)
    )
    return list(conn.execute(query))


def face_thumbnail(conn: Connection, face_id: int) -> Any:
    """(case_id, thumbnail) of a face; None for an unknown face."""
    query = select(faces.c.case_id, faces.c.thumbnail).where(faces.c.id == face_id)
    return conn.execute(query).first()
