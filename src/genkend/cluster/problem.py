"""The starting point of an agglomeration, and the labels read from its end.

A ``Problem`` is what both engines (the exact reference and the neighbour-graph one)
start from: the checked embeddings, the faces already grouped before any distance is
looked at (must-link groups; in incremental assignment, the existing clusters), which
groups are existing clusters ("anchored": two of them never merge), and which groups
may never share a cluster (cannot-link). The engines answer, for each group, the group
that heads its final cluster; this module turns that into labels.

Invariants:

- Groups are numbered by their smallest face position, so a cluster's head (its
  smallest group number) holds its first face, and tie-breaks by group number are
  tie-breaks by face position: the same in both engines, and stable.
- A problem is consistent: no cannot-link pair lies inside one group, and no group
  joins two existing clusters. Contradictions are refused with ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from genkend.cluster.params import Constraints
from genkend.index.space import FloatSpace

Vectors = NDArray[np.float32]
Labels = NDArray[np.int64]


@dataclass(frozen=True)
class Problem:
    """Checked faces, their initial groups and the rules on merging them (see above)."""

    vectors: Vectors
    group_of: NDArray[np.int64]
    anchored: NDArray[np.bool_]
    cannot_link: frozenset[tuple[int, int]]

    @property
    def groups(self) -> int:
        return int(self.anchored.size)

    def members(self) -> list[NDArray[np.int64]]:
        """The face positions of each group, ascending."""
        order = np.argsort(self.group_of, kind="stable")
        bounds = np.searchsorted(self.group_of[order], np.arange(self.groups + 1))
        return [order[bounds[g] : bounds[g + 1]] for g in range(self.groups)]


def check_embeddings(embeddings: ArrayLike, what: str = "embeddings") -> Vectors:
    """``embeddings`` as an (n, dim) float32 array of finite values; ``ValueError`` if not."""
    array = np.asarray(embeddings)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (faces, dims), got shape {array.shape}")
    if array.shape[1] < 1:
        raise ValueError(f"{what} must have at least one dimension, got shape {array.shape}")
    # Rounded to float32 as the vector indexes store them, so every engine sees one value.
    return FloatSpace(array.shape[1]).rows(array, what)


def for_cluster(vectors: Vectors, constraints: Constraints | None) -> Problem:
    """A problem in which every face starts alone, apart from must-link groups."""
    constraints = constraints or Constraints()
    _check_positions(constraints, vectors.shape[0])
    group_of = _unite(vectors.shape[0], _must_links(constraints))
    anchored = np.zeros(int(group_of.max(initial=-1)) + 1, dtype=np.bool_)
    return Problem(vectors, group_of, anchored, _cannot_link(group_of, constraints))


def for_assign(
    existing: Vectors, existing_labels: Labels, new: Vectors, constraints: Constraints | None
) -> Problem:
    """A problem over ``existing`` then ``new`` faces, existing clusters as anchored groups.

    Constraint positions index the concatenation: existing faces first, then new ones.
    """
    constraints = constraints or Constraints()
    vectors = np.concatenate([existing, new])
    _check_positions(constraints, vectors.shape[0])
    links = [*_same_label_links(existing_labels), *_must_links(constraints)]
    group_of = _unite(vectors.shape[0], links)
    _refuse_joined_clusters(group_of, existing_labels)
    anchored = np.zeros(int(group_of.max(initial=-1)) + 1, dtype=np.bool_)
    anchored[group_of[: existing.shape[0]]] = True
    return Problem(vectors, group_of, anchored, _cannot_link(group_of, constraints))


def check_labels(labels: ArrayLike, n: int) -> Labels:
    """Existing cluster labels: a 1-D array of ``n`` non-negative integers."""
    array = np.asarray(labels)
    if array.shape != (n,):
        raise ValueError(f"existing_labels must have shape ({n},), got {array.shape}")
    if n and array.dtype.kind not in "iu":
        raise ValueError(f"existing_labels must be integers, got dtype {array.dtype}")
    checked = array.astype(np.int64)
    if n and checked.min() < 0:
        raise ValueError("existing_labels must not be negative")
    return checked


def cluster_labels(problem: Problem, heads: NDArray[np.int64]) -> Labels:
    """Labels 0, 1, 2, ... numbered by each cluster's first face; singletons included."""
    _, labels = np.unique(heads[problem.group_of], return_inverse=True)
    return labels.astype(np.int64).reshape(-1)


def assign_labels(
    problem: Problem,
    heads: NDArray[np.int64],
    existing_labels: Labels,
    frozen: frozenset[int],
) -> Labels:
    """Labels of the new faces (those after the existing ones), see ``genkend.cluster.assign``.

    A new face takes the label of an existing cluster it ended in, unless that cluster
    is frozen and the face joined it by distance alone: then, with the other new faces
    that joined it, it gets a fresh label. Fresh labels count up from one above the
    highest existing label, clusters taken in order of their first face.
    """
    n_existing = existing_labels.size
    group_label = np.full(problem.groups, -1, dtype=np.int64)
    group_label[problem.group_of[:n_existing]] = existing_labels
    head_label = np.full(problem.groups, -1, dtype=np.int64)
    labelled = group_label >= 0
    # Anchored groups never merge, so a cluster holds at most one existing label.
    head_label[heads[labelled]] = group_label[labelled]
    new_groups = problem.group_of[n_existing:]
    labels = head_label[heads[new_groups]]
    own = group_label[new_groups]
    labels = np.where(own >= 0, own, labels)  # must-linked into an existing cluster
    is_frozen = np.isin(labels, np.fromiter(frozen, dtype=np.int64, count=len(frozen)))
    fresh = (labels < 0) | (is_frozen & (own < 0))
    first = int(existing_labels.max(initial=-1)) + 1
    _, fresh_rank = np.unique(heads[new_groups[fresh]], return_inverse=True)
    labels[fresh] = first + fresh_rank.reshape(-1)
    return labels


def _check_positions(constraints: Constraints, n: int) -> None:
    highest = constraints.highest_face()
    if highest >= n:
        raise ValueError(f"constraints name face {highest}, but there are only {n} faces")


def _must_links(constraints: Constraints) -> Iterator[tuple[int, int]]:
    for group in constraints.must_link:
        yield from ((group[0], face) for face in group[1:])


def _same_label_links(labels: Labels) -> Iterator[tuple[int, int]]:
    order = np.argsort(labels, kind="stable")
    same = np.flatnonzero(labels[order][1:] == labels[order][:-1])
    yield from zip(order[same].tolist(), order[same + 1].tolist(), strict=True)


def _unite(n: int, links: Iterable[tuple[int, int]]) -> NDArray[np.int64]:
    """Group number per face: faces joined by ``links`` (directly or through others)
    together, groups numbered by their smallest face position."""
    parent = list(range(n))

    def find(face: int) -> int:
        while parent[face] != face:
            parent[face] = parent[parent[face]]
            face = parent[face]
        return face

    for a, b in links:
        root_a, root_b = find(a), find(b)
        # The smaller root heads the union, so a root is its group's smallest face.
        parent[max(root_a, root_b)] = min(root_a, root_b)
    heads = np.fromiter((find(face) for face in range(n)), dtype=np.int64, count=n)
    _, group_of = np.unique(heads, return_inverse=True)
    return group_of.astype(np.int64).reshape(-1)


def _cannot_link(
    group_of: NDArray[np.int64], constraints: Constraints
) -> frozenset[tuple[int, int]]:
    """Cannot-link pairs of faces as pairs of groups (low, high)."""
    pairs = set()
    for low, high in constraints.cannot_link:
        a, b = int(group_of[low]), int(group_of[high])
        if a == b:
            raise ValueError(
                f"faces {low} and {high} are marked as not the same person, but must-link "
                "groups or an existing cluster put them together"
            )
        pairs.add((min(a, b), max(a, b)))
    return frozenset(pairs)


def _refuse_joined_clusters(group_of: NDArray[np.int64], existing_labels: Labels) -> None:
    """An incremental run never merges existing clusters, so no group may hold two."""
    pairs = np.unique(np.stack([group_of[: existing_labels.size], existing_labels], axis=1), axis=0)
    joined = np.flatnonzero(pairs[1:, 0] == pairs[:-1, 0])
    if joined.size:
        group = pairs[joined[0], 0]
        labels = pairs[pairs[:, 0] == group, 1].tolist()
        raise ValueError(
            f"must-link groups join existing clusters {labels}; merge them (relabel) "
            "before assigning new faces"
        )
