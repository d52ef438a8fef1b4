"""Grouping the faces of unknown persons within a case: one cluster per presumed person.

Clustering links one unknown person across every file of a seizure, so that an
investigator reviews a person, not ten thousand faces. A wrong merge (two people in
one cluster) can mislead an investigation; a split only costs a second look. The
algorithm is therefore chosen for precision and for robustness to scale.

The algorithm: evidence-weighted average linkage with a diameter cap.
Start with every face alone (or in the group an investigator made). Repeatedly merge
the two clusters whose faces, one from each, are closest on average, as long as

- that mean distance over their ``p`` face pairs is at most
  ``max_mean_distance - (max_mean_distance - max_distance) / sqrt(p)``: two single
  faces must be within ``max_distance``; clusters with many pairs between them (more
  evidence, a steadier mean) may be up to ``max_mean_distance`` apart on average;
- no face pair between them is further apart than ``max_diameter``;
- the investigators' corrections allow it.

The nearest pair (smallest mean plus the same evidence term) merges first; ties go to
the clusters holding earlier faces. The defaults (``ClusterParams``) were measured for
the default face backend's embedding space.

Why it resists chaining. Methods that link faces through single edges (single linkage,
connected components, Chinese whispers as used by face_recognition and IPED) merge two
people as soon as a path of close pairs joins them; the more faces a case holds, the
more such paths exist, until one giant cluster swallows much of the case. Here one
close pair never joins two clusters: the whole set of pairs between them must be close
on average and none may be far. Every cluster has a diameter of at most
``max_diameter``, so two people bridged by look-alikes in between stay apart however
many faces the case holds. What a larger case adds is more look-alikes, so the number
of local mistakes grows with the case, never a collapse (measured in
benchmarks/bench_cluster.py).

Two implementations of one definition (see ``genkend.cluster.exact`` and
``genkend.cluster.graph``): ``cluster_exact``/``assign_exact`` scan every pair (O(n^2),
the oracle); ``cluster``/``assign`` work on each face's nearest neighbours from a FAISS
index and give the same result whenever no face has more than
``ClusterParams.neighbours`` others within ``max_mean_distance``.

Labels. ``cluster`` numbers clusters 0, 1, 2, ... in order of their first face; a face
that matched nobody is a cluster of its own (a singleton with its own label), so
every label is a cluster and no label means "noise". Equal inputs give equal labels.

Corrections. ``Constraints`` (must-link groups, cannot-link pairs) hold in every run:
a must-link group starts as one cluster; a cannot-link pair never shares one. A merge
of two clusters should name all their faces: faces outside the group are never
stretched across ``max_diameter`` to follow it.

Incremental assignment. ``assign`` places new faces among existing clusters without
re-clustering: new faces join existing clusters or form clusters among themselves;
existing clusters keep their faces and labels and never merge with each other. Faces
that would join a frozen (confirmed) cluster are not added to it: they form a fresh
cluster, to be offered to a person as an extension of the confirmed one.

Invariant: every cluster has all its faces pairwise within ``max_diameter`` (apart
from faces that a must-link group or an existing cluster put together), and no cluster
holds both faces of a cannot-link pair.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from genkend.cluster import exact, graph
from genkend.cluster.params import ClusterParams, Constraints
from genkend.cluster.problem import (
    Labels,
    Problem,
    assign_labels,
    check_embeddings,
    check_labels,
    cluster_labels,
    for_assign,
    for_cluster,
)

__all__ = [
    "ClusterParams",
    "Constraints",
    "assign",
    "assign_exact",
    "cluster",
    "cluster_exact",
]


def cluster(
    embeddings: ArrayLike,
    params: ClusterParams | None = None,
    constraints: Constraints | None = None,
) -> Labels:
    """Cluster labels (int64, one per row of ``embeddings``), by the neighbour-graph engine.

    ``embeddings``: (n, dim) face embeddings of one model; NaN or infinite values raise
    ``ValueError``. Constraint positions are row numbers.
    """
    params = params or ClusterParams()
    problem = for_cluster(check_embeddings(embeddings), constraints)
    queries = np.arange(problem.vectors.shape[0], dtype=np.int64)
    edges = graph.neighbour_graph(problem.vectors, queries, params)
    return cluster_labels(problem, graph.agglomerate(problem, params, edges))


def cluster_exact(
    embeddings: ArrayLike,
    params: ClusterParams | None = None,
    constraints: Constraints | None = None,
) -> Labels:
    """``cluster`` by the exact O(n^2) reference; for tests and small sets."""
    params = params or ClusterParams()
    problem = for_cluster(check_embeddings(embeddings), constraints)
    return cluster_labels(problem, exact.agglomerate(problem, params))


def assign(
    existing_embeddings: ArrayLike,
    existing_labels: ArrayLike,
    new_embeddings: ArrayLike,
    params: ClusterParams | None = None,
    constraints: Constraints | None = None,
    frozen: Iterable[int] = (),
) -> Labels:
    """Labels for ``new_embeddings`` given clustered ``existing_embeddings``.

    A new face gets an existing cluster's label or a fresh one (counting up from one
    above the highest existing label, clusters taken in order of their first face).
    Existing clusters are never merged, split or renumbered; ``frozen`` labels
    (confirmed clusters) gain no face by distance, only by a must-link.
    ``existing_labels`` are non-negative integers. Constraint positions index existing
    faces first, then new ones (new face ``i`` is ``len(existing) + i``); a must-link
    joining two existing clusters, or a cannot-link inside one, raises ``ValueError``.
    """
    params = params or ClusterParams()
    problem, labels, frozen_labels = _assign_problem(
        existing_embeddings, existing_labels, new_embeddings, constraints, frozen
    )
    queries = np.arange(labels.size, problem.vectors.shape[0], dtype=np.int64)
    edges = graph.neighbour_graph(problem.vectors, queries, params)
    heads = graph.agglomerate(problem, params, edges)
    return assign_labels(problem, heads, labels, frozen_labels)


def assign_exact(
    existing_embeddings: ArrayLike,
    existing_labels: ArrayLike,
    new_embeddings: ArrayLike,
    params: ClusterParams | None = None,
    constraints: Constraints | None = None,
    frozen: Iterable[int] = (),
) -> Labels:
    """``assign`` by the exact O(n^2) reference; for tests and small sets."""
    params = params or ClusterParams()
    problem, labels, frozen_labels = _assign_problem(
        existing_embeddings, existing_labels, new_embeddings, constraints, frozen
    )
    heads = exact.agglomerate(problem, params)
    return assign_labels(problem, heads, labels, frozen_labels)


def _assign_problem(
    existing_embeddings: ArrayLike,
    existing_labels: ArrayLike,
    new_embeddings: ArrayLike,
    constraints: Constraints | None,
    frozen: Iterable[int],
) -> tuple[Problem, Labels, frozenset[int]]:
    new = check_embeddings(new_embeddings, "new_embeddings")
    existing = np.asarray(existing_embeddings)
    if existing.size == 0:
        # No clusters yet: an empty array of any shape, the new faces' width.
        existing = np.empty((0, new.shape[1]), dtype=np.float32)
    existing = check_embeddings(existing, "existing_embeddings")
    if existing.shape[1] != new.shape[1]:
        raise ValueError(
            f"existing faces have {existing.shape[1]} dims, new ones {new.shape[1]}: "
            "embeddings of different models are never compared"
        )
    labels = check_labels(existing_labels, existing.shape[0])
    problem = for_assign(existing, labels, new, constraints)
    return problem, labels, frozenset(int(label) for label in frozen)
