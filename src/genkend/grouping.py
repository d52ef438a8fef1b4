"""Clusters of a case in the store: running the clustering, and investigators' corrections.

``cluster_case`` groups the case's faces that have no cluster yet: new faces join
existing clusters or form new ones (``genkend.cluster.assign``); existing clusters are
never renumbered, and confirmed (named) clusters gain no face by distance. With
``rebuild`` the unconfirmed clusters are dissolved and made again; confirmed ones stay.
Corrections (merge, split, name) are stored as must-link / cannot-link constraints
between faces, which every later run obeys, so they survive re-clustering.

Invariant: every run and every correction is written with its audit event on the
caller's connection, so the use case (``services.faces``, ``services.clusters``) that
owns the transaction commits both or neither; the event records the algorithm, its
thresholds and the face model (clustering links material within a case; it identifies
no one).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select, update

from genkend.clock import utc_now_text
from genkend.cluster import ClusterParams, Constraints, assign
from genkend.errors import NotFound, UsageError
from genkend.governance import audit, cases
from genkend.store.schema import cluster_constraints, clusters, faces

if TYPE_CHECKING:
    from genkend.records import Actor

ALGORITHM = "average linkage with evidence margin and diameter cap (genkend.cluster)"


def cluster_case(
    conn: Connection,
    actor: Actor,
    case_id: str,
    backend: str,
    params: ClusterParams,
    rebuild: bool = False,
) -> dict[str, Any]:
    cases.get(conn, case_id)
    if rebuild:
        _dissolve_unconfirmed(conn, case_id)
    rows = conn.execute(
        select(faces.c.id, faces.c.embedding, faces.c.cluster_id)
        .where(
            faces.c.case_id == case_id,
            faces.c.backend == backend,
            faces.c.embedding.is_not(None),
        )
        .order_by(faces.c.id)
    ).all()
    existing = [r for r in rows if r.cluster_id is not None]
    new = [r for r in rows if r.cluster_id is None]
    created = _assign_new(conn, case_id, existing, new, params) if new else 0
    summary = {
        "case": case_id,
        "algorithm": ALGORITHM,
        "params": asdict(params),
        "backend": backend,
        "faces": len(rows),
        "new_faces": len(new),
        "new_clusters": created,
        "rebuild": rebuild,
    }
    audit.record(conn, actor, "faces.cluster", f"case:{case_id}", summary)
    return summary


def _assign_new(
    conn: Connection, case_id: str, existing: list[Any], new: list[Any], params: ClusterParams
) -> int:
    ordered = existing + new
    position = {r.id: i for i, r in enumerate(ordered)}
    constraints = _constraints(conn, case_id, position)
    vectors = np.stack([np.frombuffer(r.embedding, dtype=np.float32) for r in ordered])
    confirmed = set(
        conn.execute(
            select(clusters.c.id).where(clusters.c.case_id == case_id, clusters.c.confirmed)
        ).scalars()
    )
    labels = assign(
        vectors[: len(existing)],
        [r.cluster_id for r in existing],
        vectors[len(existing) :],
        params,
        constraints,
        frozen=confirmed,
    )
    known = {r.cluster_id for r in existing}
    fresh: dict[int, int] = {}
    for row, label in zip(new, labels, strict=True):
        cluster_id = int(label)
        if cluster_id not in known:
            if cluster_id not in fresh:
                fresh[cluster_id] = _new_cluster(conn, case_id)
            cluster_id = fresh[cluster_id]
        conn.execute(update(faces).where(faces.c.id == row.id).values(cluster_id=cluster_id))
    return len(fresh)


def _constraints(conn: Connection, case_id: str, position: dict[int, int]) -> Constraints:
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for row in conn.execute(
        select(cluster_constraints).where(cluster_constraints.c.case_id == case_id)
    ):
        if row.face_a in position and row.face_b in position:
            pair = (position[row.face_a], position[row.face_b])
            (must if row.kind == "must" else cannot).append(pair)
    return Constraints(must_link=must, cannot_link=cannot)


def _dissolve_unconfirmed(conn: Connection, case_id: str) -> None:
    doomed = select(clusters.c.id).where(
        clusters.c.case_id == case_id, clusters.c.confirmed.is_(False)
    )
    conn.execute(update(faces).where(faces.c.cluster_id.in_(doomed)).values(cluster_id=None))
    conn.execute(
        delete(clusters).where(clusters.c.case_id == case_id, clusters.c.confirmed.is_(False))
    )


def list_clusters(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    cases.get(conn, case_id)
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


def merge(conn: Connection, actor: Actor, case_id: str, keep: int, other: int) -> None:
    """One person: ``other``'s faces move into ``keep``; must-links record the decision."""
    if keep == other:
        raise UsageError("a cluster cannot be merged with itself")
    kept, gone = _members(conn, case_id, keep), _members(conn, case_id, other)
    if not kept or not gone:
        raise UsageError("both clusters must have faces to be merged")
    _constrain(conn, actor, case_id, "must", [(kept[0], face) for face in gone])
    conn.execute(update(faces).where(faces.c.cluster_id == other).values(cluster_id=keep))
    conn.execute(delete(clusters).where(clusters.c.id == other))
    _touch(conn, keep)
    audit.record(
        conn,
        actor,
        "cluster.merge",
        f"case:{case_id}",
        {"into": keep, "merged": other, "faces": gone},
    )


def split(
    conn: Connection, actor: Actor, case_id: str, cluster_id: int, face_ids: list[int]
) -> int:
    """Not the same person: ``face_ids`` leave into a new cluster; cannot-links record it."""
    members = _members(conn, case_id, cluster_id)
    moving = sorted(set(face_ids))
    if not moving or not set(moving) < set(members):
        raise UsageError("split takes some, not all, of the cluster's own face ids")
    staying = [f for f in members if f not in moving]
    _constrain(conn, actor, case_id, "cannot", [(a, b) for a in moving for b in staying])
    _constrain(conn, actor, case_id, "must", [(moving[0], f) for f in moving[1:]])
    new_id = _new_cluster(conn, case_id)
    conn.execute(update(faces).where(faces.c.id.in_(moving)).values(cluster_id=new_id))
    _touch(conn, cluster_id)
    audit.record(
        conn,
        actor,
        "cluster.split",
        f"case:{case_id}",
        {"from": cluster_id, "new": new_id, "faces": moving},
    )
    return new_id


def name(conn: Connection, actor: Actor, case_id: str, cluster_id: int, label: str) -> None:
    """Name a cluster; a named cluster is confirmed and gains faces only by a person."""
    if not label.strip():
        raise UsageError("a cluster name cannot be empty")
    members = _members(conn, case_id, cluster_id)
    if not members:
        raise UsageError(f"cluster {cluster_id} has no faces")
    _constrain(conn, actor, case_id, "must", [(members[0], f) for f in members[1:]])
    conn.execute(
        update(clusters)
        .where(clusters.c.id == cluster_id)
        .values(label=label.strip(), confirmed=True, updated_at=utc_now_text())
    )
    audit.record(
        conn,
        actor,
        "cluster.name",
        f"case:{case_id}",
        {"cluster": cluster_id, "label": label.strip(), "faces": members},
    )


def _new_cluster(conn: Connection, case_id: str) -> int:
    now = utc_now_text()
    return int(
        conn.execute(
            insert(clusters)
            .values(case_id=case_id, label=None, confirmed=False, created_at=now, updated_at=now)
            .returning(clusters.c.id)
        ).scalar_one()
    )


def _members(conn: Connection, case_id: str, cluster_id: int) -> list[int]:
    exists = conn.execute(
        select(clusters.c.id).where(clusters.c.id == cluster_id, clusters.c.case_id == case_id)
    ).first()
    if exists is None:
        raise NotFound(f"no cluster {cluster_id} in case {case_id}")
    return list(
        conn.execute(
            select(faces.c.id).where(faces.c.cluster_id == cluster_id).order_by(faces.c.id)
        ).scalars()
    )


def _constrain(
    conn: Connection, actor: Actor, case_id: str, kind: str, pairs: list[tuple[int, int]]
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
                    "created_by": actor.name,
                }
                for a, b in pairs
            ],
        )


def _touch(conn: Connection, cluster_id: int) -> None:
    conn.execute(
        update(clusters).where(clusters.c.id == cluster_id).values(updated_at=utc_now_text())
    )
