"""Clusters of a case in the store: their rows, which faces they hold, and the
investigators' must-link / cannot-link constraints between faces.

Invariant: every query keeps to one case; a cluster's faces come back in face id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from genkend.clock import utc_now_text
from genkend.store.schema import cluster_constraints, clusters, faces


def embedded_faces(conn: Connection, case_id: str, backend: str) -> list[Any]:
    """Id, embedding and cluster of the case's faces embedded by ``backend``."""
    return list(
        conn.execute(
            select(faces.c.id, faces.c.embedding, faces.c.cluster_id)
            .where(
                faces.c.case_id == case_id,
                faces.c.backend == backend,
                faces.c.embedding.is_not(None),
            )
            .order_by(faces.c.id)
        ).all()
    )


def confirmed(conn: Connection, case_id: str) -> set[int]:
    return set(
        conn.execute(
            select(clusters.c.id).where(clusters.c.case_id == case_id, clusters.c.confirmed)
        ).scalars()
    )


def constraints(conn: Connection, case_id: str) -> list[tuple[str, int, int]]:
    """Every constraint of the case: (kind, face_a, face_b), kind ``must`` or ``cannot``."""
    query = select(cluster_constraints).where(cluster_constraints.c.case_id == case_id)
    return [(row.kind, row.face_a, row.face_b) for row in conn.execute(query)]


def add_constraints(
    conn: Connection, case_id: str, kind: str, pairs: Sequence[tuple[int, int]], by: str
) -> None:
    if pairs:
        now = utc_now_text()
        conn.execute(
            insert(cluster_constraints),
            [
                {
                    "case_id": case_id,
                    "kind": kind,
                    "face_a": a,
                    "face_b": b,
                    "created_at": now,
                    "created_by": by,
                }
                for a, b in pairs
            ],
        )


def dissolve_unconfirmed(conn: Connection, case_id: str) -> None:
    doomed = select(clusters.c.id).where(
        clusters.c.case_id == case_id, clusters.c.confirmed.is_(False)
    )
    conn.execute(update(faces).where(faces.c.cluster_id.in_(doomed)).values(cluster_id=None))
    conn.execute(
        delete(clusters).where(clusters.c.case_id == case_id, clusters.c.confirmed.is_(False))
    )


def list_clusters(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    members: dict[int, list[int]] = {}
    for face_id, cluster_id in conn.execute(
        select(faces.c.id, faces.c.cluster_id)
        .where(faces.c.case_id == case_id, faces.c.cluster_id.is_not(None))
        .order_by(faces.c.id)
    ):
        members.setdefault(cluster_id, []).append(face_id)
    return [
        {
            "id": row.id,
            "label": row.label,
            "confirmed": row.confirmed,
            "size": len(members.get(row.id, [])),
            "face_ids": members.get(row.id, []),
        }
        for row in conn.execute(
            select(clusters).where(clusters.c.case_id == case_id).order_by(clusters.c.id)
        )
    ]


def new_cluster(conn: Connection, case_id: str) -> int:
    now = utc_now_text()
    return int(
        conn.execute(
            insert(clusters)
            .values(case_id=case_id, label=None, confirmed=False, created_at=now, updated_at=now)
            .returning(clusters.c.id)
        ).scalar_one()
    )


def members(conn: Connection, case_id: str, cluster_id: int) -> list[int] | None:
    """The cluster's face ids, or None when the case has no such cluster."""
    exists = conn.execute(
        select(clusters.c.id).where(clusters.c.id == cluster_id, clusters.c.case_id == case_id)
    ).first()
    if exists is None:
        return None
    return list(
        conn.execute(
            select(faces.c.id).where(faces.c.cluster_id == cluster_id).order_by(faces.c.id)
        ).scalars()
    )


def place(conn: Connection, face_ids: Sequence[int], cluster_id: int) -> None:
    """The faces ``face_ids`` now belong to ``cluster_id``."""
    conn.execute(update(faces).where(faces.c.id.in_(face_ids)).values(cluster_id=cluster_id))


def merge_into(conn: Connection, keep: int, other: int) -> None:
    """``other``'s faces move to ``keep`` and ``other`` is gone."""
    conn.execute(update(faces).where(faces.c.cluster_id == other).values(cluster_id=keep))
    conn.execute(delete(clusters).where(clusters.c.id == other))
    touch(conn, keep)


def confirm(conn: Connection, cluster_id: int, label: str) -> None:
    conn.execute(
        update(clusters)
        .where(clusters.c.id == cluster_id)
        .values(label=label, confirmed=True, updated_at=utc_now_text())
    )


def touch(conn: Connection, cluster_id: int) -> None:
    conn.execute(
        update(clusters).where(clusters.c.id == cluster_id).values(updated_at=utc_now_text())
    )
