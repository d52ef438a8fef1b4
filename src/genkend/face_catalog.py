"""Reading a case's faces: the listing for review tools and the analysts' NumPy export.

Invariant: an export is written completely or not at all (a temporary file renamed
into place) and holds embeddings of one backend only, named in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from genkend.store.schema import evidence_sources, faces, media_locations


def list_faces(conn: Connection, case_id: str) -> Iterator[dict[str, Any]]:
    first_location = _first_locations(conn, case_id)
    for row in conn.execute(select(faces).where(faces.c.case_id == case_id).order_by(faces.c.id)):
        yield {
            "id": row.id,
            "media_id": row.media_id,
            "location": first_location.get(row.media_id),
            "box": [row.x1, row.y1, row.x2, row.y2],
            "landmarks": json.loads(row.landmarks),
            "score": row.score,
            "quality": row.quality,
            "quality_detail": json.loads(row.quality_detail),
            "cluster_id": row.cluster_id,
            "backend": row.backend,
        }


def backends(conn: Connection, case_id: str) -> list[str]:
    return list(
        conn.execute(
            select(faces.c.backend)
            .where(faces.c.case_id == case_id)
            .group_by(faces.c.backend)
            .order_by(func.count().desc())
        ).scalars()
    )


def export_npz(conn: Connection, case_id: str, backend: str, output: Path) -> int:
    """Write face_ids, media_ids, paths, boxes, embeddings and backend; returns the count."""
    first_location = _first_locations(conn, case_id)
    rows = conn.execute(
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
            faces.c.case_id == case_id, faces.c.backend == backend, faces.c.embedding.is_not(None)
        )
        .order_by(faces.c.id)
    ).all()
    dim = len(np.frombuffer(rows[0].embedding, dtype=np.float32)) if rows else 0
    partial = output.with_name(output.name + ".partial.npz")
    np.savez(
        partial,
        face_ids=np.asarray([r.id for r in rows], dtype=np.int64),
        media_ids=np.asarray([r.media_id for r in rows], dtype=np.int64),
        paths=np.asarray([first_location.get(r.media_id, "") for r in rows], dtype=str),
        boxes=np.asarray([[r.x1, r.y1, r.x2, r.y2] for r in rows], dtype=np.int32).reshape(-1, 4),
        embeddings=np.stack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, dim), dtype=np.float32),
        backend=np.asarray(backend),
    )
    partial.replace(output)
    return len(rows)


def _first_locations(conn: Connection, case_id: str) -> dict[int, str]:
    query = (
        select(media_locations.c.media_id, evidence_sources.c.source_id, media_locations.c.location)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(evidence_sources.c.case_id == case_id, media_locations.c.media_id.is_not(None))
        .order_by(media_locations.c.id.desc())
    )
    # descending, so the earliest location of each media item is written last and kept
    return {r.media_id: f"{r.source_id}:{r.location}" for r in conn.execute(query)}
