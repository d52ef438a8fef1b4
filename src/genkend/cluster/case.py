"""Clusters of a case: running the clustering on its faces, and investigators' corrections.

``cluster_case`` groups the case's faces that have no cluster yet: new faces join
existing clusters or form new ones (``genkend.cluster.assign``); existing clusters are
never renumbered, and confirmed (named) clusters gain no face by distance. With
``rebuild`` the unconfirmed clusters are dissolved and made again; confirmed ones stay.
Corrections (merge, split, name) are stored as must-link / cannot-link constraints
between faces, which every later run obeys, so they survive re-clustering. The rows are
read and written by ``store.clusters``.

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

from genkend.cluster import ClusterParams, Constraints, assign
from genkend.errors import NotFound, UsageError
from genkend.governance import audit, cases
from genkend.store import clusters as stored

if TYPE_CHECKING:
    from genkend.records import Actor
    from genkend.store import Connection

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
        stored.dissolve_unconfirmed(conn, case_id)
    rows = stored.embedded_faces(conn, case_id, backend)
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
    labels = assign(
        vectors[: len(existing)],
        [r.cluster_id for r in existing],
        vectors[len(existing) :],
        params,
        constraints,
        frozen=stored.confirmed(conn, case_id),
    )
    known = {r.cluster_id for r in existing}
    fresh: dict[int, int] = {}
    for row, label in zip(new, labels, strict=True):
        cluster_id = int(label)
        if cluster_id not in known:
            if cluster_id not in fresh:
                fresh[cluster_id] = stored.new_cluster(conn, case_id)
            cluster_id = fresh[cluster_id]
        stored.place(conn, [row.id], cluster_id)
    return len(fresh)


def _constraints(conn: Connection, case_id: str, position: dict[int, int]) -> Constraints:
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for kind, face_a, face_b in stored.constraints(conn, case_id):
        if face_a in position and face_b in position:
            pair = (position[face_a], position[face_b])
            (must if kind == "must" else cannot).append(pair)
    return Constraints(must_link=must, cannot_link=cannot)


def list_clusters(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    cases.get(conn, case_id)
    return stored.list_clusters(conn, case_id)


def merge(conn: Connection, actor: Actor, case_id: str, keep: int, other: int) -> None:
    """One person: ``other``'s faces move into ``keep``; must-links record the decision."""
    if keep == other:
        raise UsageError("a cluster cannot be merged with itself")
    kept, gone = _members(conn, case_id, keep), _members(conn, case_id, other)
    if not kept or not gone:
        raise UsageError("both clusters must have faces to be merged")
    stored.add_constraints(conn, case_id, "must", [(kept[0], f) for f in gone], actor.name)
    stored.merge_into(conn, keep, other)
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
    cannot = [(a, b) for a in moving for b in staying]
    stored.add_constraints(conn, case_id, "cannot", cannot, actor.name)
    must = [(moving[0], f) for f in moving[1:]]
    stored.add_constraints(conn, case_id, "must", must, actor.name)
    new_id = stored.new_cluster(conn, case_id)
    stored.place(conn, moving, new_id)
    stored.touch(conn, cluster_id)
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
    must = [(members[0], f) for f in members[1:]]
    stored.add_constraints(conn, case_id, "must", must, actor.name)
    stored.confirm(conn, cluster_id, label.strip())
    audit.record(
        conn,
        actor,
        "cluster.name",
        f"case:{case_id}",
        {"cluster": cluster_id, "label": label.strip(), "faces": members},
    )


def _members(conn: Connection, case_id: str, cluster_id: int) -> list[int]:
    found = stored.members(conn, case_id, cluster_id)
    if found is None:
        raise NotFound(f"no cluster {cluster_id} in case {case_id}")
    return found
