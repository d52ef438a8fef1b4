"""Faces of a case in the store: their rows, backends and embeddings, and where each
media item was first found.

Invariant: every query keeps to one case (``faces.case_id``, the evidence sources of
the case); rows come back in face id order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from genkend.store.schema import evidence_sources, face_tracks, faces, media_locations


def rows(conn: Connection, case_id: str) -> Iterator[Row[Any]]:
    """Every face row of the case."""
    yield from conn.execute(select(faces).where(faces.c.case_id == case_id).order_by(faces.c.id))


def backends(conn: Connection, case_id: str) -> list[str]:
    """The backends that embedded the case's faces, the most common first."""
    return list(
        conn.execute(
            select(faces.c.backend)
            .where(faces.c.case_id == case_id)
            .group_by(faces.c.backend)
            .order_by(func.count().desc())
        ).scalars()
    )


def embedded(conn: Connection, case_id: str, backend: str) -> list[Any]:
    """Id, media id, box and embedding of the case's faces embedded by ``backend``."""
    return list(
        conn.execute(
            select(
                faces.c.id,
                faces.c.media_id,
                faces.c.x1,
                faces.c.y1,
                faces.c.x2,
                faces.c.y2,
                faces.c.embedding,
            )
            .where(
                faces.c.case_id == case_id,
                faces.c.backend == backend,
                faces.c.embedding.is_not(None),
            )
            .order_by(faces.c.id)
        ).all()
    )


def first_locations(conn: Connection, case_id: str) -> dict[int, str]:
    """Media id -> ``source:location`` where the case first found it."""
    query = (
        select(media_locations.c.media_id, evidence_sources.c.source_id, media_locations.c.location)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(evidence_sources.c.case_id == case_id, media_locations.c.media_id.is_not(None))
        .order_by(media_locations.c.id.desc())
    )
    # descending, so the earliest location of each media item is written last and kept
    return {r.media_id: f"{r.source_id}:{r.location}" for r in conn.execute(query)}


def of_media(conn: Connection, case_id: str, media_id: int) -> list[Row[Any]]:
    """The face rows of one media item of the case."""
    query = select(faces).where(faces.c.case_id == case_id, faces.c.media_id == media_id)
    return list(conn.execute(query.order_by(faces.c.id)))


def add_track(
    conn: Connection, row: dict[str, Any], face_rows: list[dict[str, Any]], best: int
) -> int:
    """A video's face track with its kept faces; ``best`` indexes ``face_rows``."""
    track_id = int(conn.execute(insert(face_tracks).values(**row)).inserted_primary_key[0])  # type: ignore[index]
    best_id = 0
    for index, face_row in enumerate(face_rows):
        face_id = conn.execute(insert(faces).values(**face_row, track_id=track_id))
        if index == best:
            best_id = int(face_id.inserted_primary_key[0])  # type: ignore[index]
    conn.execute(
        update(face_tracks).where(face_tracks.c.id == track_id).values(best_face_id=best_id)
    )
    return track_id


def tracks(conn: Connection, case_id: str) -> list[Row[Any]]:
    """The face tracks of the case's videos, in id order."""
    query = select(face_tracks).where(face_tracks.c.case_id == case_id)
    return list(conn.execute(query.order_by(face_tracks.c.id)))
