"""The gallery in the store: identities, their faces, and the version searches record.

Invariant: identities are found by their unique label; faces are only ever added (the
version, face count and newest face id per backend, grows with every added face).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select

from genkend.store.schema import clusters, faces, gallery_faces, gallery_identities


def identity_id(conn: Connection, label: str) -> int | None:
    row = conn.execute(
        select(gallery_identities.c.id).where(gallery_identities.c.label == label)
    ).first()
    return None if row is None else int(row.id)


def insert_identity(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(
        conn.execute(
            insert(gallery_identities).values(**values).returning(gallery_identities.c.id)
        ).scalar_one()
    )


def insert_faces(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(gallery_faces), list(rows))


def identities(conn: Connection) -> list[dict[str, Any]]:
    """Every identity by label, with its face count (``faces``)."""
    counts: dict[int, int] = dict(
        conn.execute(
            select(gallery_faces.c.identity_id, func.count()).group_by(gallery_faces.c.identity_id)
        ).all()
    )
    return [
        {**row._asdict(), "faces": counts.get(row.id, 0)}
        for row in conn.execute(select(gallery_identities).order_by(gallery_identities.c.label))
    ]


def version(conn: Connection, backend: str) -> str:
    """Face count and newest face id of the gallery's faces of ``backend``."""
    count, newest = conn.execute(
        select(func.count(), func.max(gallery_faces.c.id)).where(gallery_faces.c.backend == backend)
    ).one()
    return f"{count}:{newest or 0}"


def cluster_exists(conn: Connection, case_id: str, cluster_id: int) -> bool:
    found = conn.execute(
        select(clusters.c.id).where(clusters.c.id == cluster_id, clusters.c.case_id == case_id)
    ).first()
    return found is not None


def cluster_faces(conn: Connection, cluster_id: int) -> list[Any]:
    """The cluster's face rows that have an embedding."""
    return list(
        conn.execute(
            select(faces).where(faces.c.cluster_id == cluster_id, faces.c.embedding.is_not(None))
        ).all()
    )
