"""What a 1:N face search reads: the embeddings it compares and the facts it shows.

A link search compares the embedded faces of the cases searched; a gallery search the
gallery faces; both only of one backend. Invariant: reads only; which cases are searched
is decided by the caller (the searcher's own cases), never here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from genkend.store.schema import (
    evidence_sources,
    faces,
    gallery_faces,
    gallery_identities,
    media_locations,
)


def case_faces_version(conn: Connection, backend: str, case_ids: Sequence[str]) -> str:
    """Which faces a link search ran against: embedded face count and newest face id."""
    count, newest = conn.execute(
        select(func.count(), func.max(faces.c.id)).where(
            faces.c.backend == backend,
            faces.c.embedding.is_not(None),
            faces.c.case_id.in_(case_ids),
        )
    ).one()
    return f"{count}:{newest or 0}"


def embeddings(
    conn: Connection, backend: str, case_ids: Sequence[str] | None
) -> Iterator[tuple[int, bytes]]:
    """(face id, embedding) of the cases' faces, or of the gallery when ``case_ids`` is None."""
    if case_ids is None:
        query = select(gallery_faces.c.id, gallery_faces.c.embedding).where(
            gallery_faces.c.backend == backend
        )
    else:
        query = select(faces.c.id, faces.c.embedding).where(
            faces.c.backend == backend,
            faces.c.embedding.is_not(None),
            faces.c.case_id.in_(case_ids),
        )
    for row in conn.execute(query):
        yield int(row.id), bytes(row.embedding)


def gallery_owners(conn: Connection, face_ids: Sequence[int]) -> dict[int, int]:
    """The identity of each gallery face."""
    rows = conn.execute(
        select(gallery_faces.c.id, gallery_faces.c.identity_id).where(
            gallery_faces.c.id.in_(face_ids)
        )
    )
    return {int(face_id): int(identity) for face_id, identity in rows}


def identities(conn: Connection, identity_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Label and status of each gallery identity."""
    rows = conn.execute(
        select(
            gallery_identities.c.id, gallery_identities.c.label, gallery_identities.c.status
        ).where(gallery_identities.c.id.in_(identity_ids))
    )
    return {int(r.id): {"label": r.label, "status": r.status} for r in rows}


def face_facts(conn: Connection, face_id: int) -> dict[str, Any]:
    """A case face as a search shows it: case, media, cluster, box and first location."""
    row = conn.execute(
        select(
            faces.c.case_id,
            faces.c.media_id,
            faces.c.cluster_id,
            faces.c.x1,
            faces.c.y1,
            faces.c.x2,
            faces.c.y2,
        ).where(faces.c.id == face_id)
    ).one()
    location = conn.execute(
        select(evidence_sources.c.source_id, media_locations.c.location)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(media_locations.c.media_id == row.media_id)
        .order_by(media_locations.c.id)
        .limit(1)
    ).first()
    return {
        "case_id": row.case_id,
        "media_id": row.media_id,
        "cluster_id": row.cluster_id,
        "box": (row.x1, row.y1, row.x2, row.y2),
        "location": f"{location.source_id}:{location.location}" if location else None,
    }
