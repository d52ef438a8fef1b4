"""Clusters (presumed persons) of a case: listing them and investigators' corrections.

A correction (merge, split, name) is a person's decision about case content: it needs
an investigator who is a member of the case, and is stored as must-link / cannot-link
constraints that every later clustering run obeys (see ``genkend.cluster.case``).

Invariant: each correction and its audit event are one transaction of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.cluster import case as case_clusters
from genkend.errors import NotFound
from genkend.governance.access import CONTENT_ROLES, INVESTIGATORS
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class ClusterView:
    """A cluster (id, label, confirmed, size, face ids) and the case's other clusters."""

    cluster: dict[str, Any]
    others: list[dict[str, Any]]


@service("clusters list", CONTENT_ROLES, case="case_id")
def list_clusters(session: Session, case_id: str) -> list[dict[str, Any]]:
    """One entry per cluster: id, label, confirmed, size and its face ids."""
    with session.store.read() as conn:
        return case_clusters.list_clusters(conn, case_id)


@service("clusters merge", INVESTIGATORS, case="case_id")
def merge(session: Session, case_id: str, keep: int, other: int) -> None:
    """The two clusters are one person: ``other``'s faces move into ``keep``."""
    with session.store.begin() as conn:
        case_clusters.merge(conn, session.actor, case_id, keep, other)


@service("clusters split", INVESTIGATORS, case="case_id")
def split(session: Session, case_id: str, cluster_id: int, face_ids: list[int]) -> int:
    """These faces are not the same person as the rest of the cluster: they leave into a
    new cluster, whose id is returned."""
    with session.store.begin() as conn:
        return case_clusters.split(conn, session.actor, case_id, cluster_id, face_ids)


@service("clusters name", INVESTIGATORS, case="case_id")
def name(session: Session, case_id: str, cluster_id: int, label: str) -> None:
    """Name and confirm a cluster."""
    with session.store.begin() as conn:
        case_clusters.name(conn, session.actor, case_id, cluster_id, label)


@service("clusters show", CONTENT_ROLES, case="case_id")
def show(session: Session, case_id: str, cluster_id: int) -> ClusterView:
    """One cluster of the case, and the case's other clusters (to merge it with)."""
    with session.store.read() as conn:
        every = case_clusters.list_clusters(conn, case_id)
    chosen = [c for c in every if c["id"] == cluster_id]
    if not chosen:
        raise NotFound(f"case {case_id} has no cluster {cluster_id}")
    return ClusterView(chosen[0], [c for c in every if c["id"] != cluster_id])
