"""A case's faces as shown: the listing for review tools and the analysts' NumPy export
(the rows come from ``store.faces``).

Invariant: an export is written completely or not at all (a temporary file renamed
into place) and holds embeddings of one backend only, named in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from genkend.store import faces as stored_faces

if TYPE_CHECKING:
    from genkend.store import Connection


def list_faces(conn: Connection, case_id: str) -> Iterator[dict[str, Any]]:
    first_location = stored_faces.first_locations(conn, case_id)
    for row in stored_faces.rows(conn, case_id):
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


def media_faces(conn: Connection, case_id: str, media_id: int) -> list[dict[str, Any]]:
    """The faces found on one media item: id, box (pixels), score, quality, cluster."""
    return [
        {
            "id": row.id,
            "box": [row.x1, row.y1, row.x2, row.y2],
            "score": row.score,
            "quality": row.quality,
            "cluster_id": row.cluster_id,
            "backend": row.backend,
        }
        for row in stored_faces.of_media(conn, case_id, media_id)
    ]


def export_npz(conn: Connection, case_id: str, backend: str, output: Path) -> int:
    """Write face_ids, media_ids, paths, boxes, embeddings and backend; returns the count."""
    first_location = stored_faces.first_locations(conn, case_id)
    rows = stored_faces.embedded(conn, case_id, backend)
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
