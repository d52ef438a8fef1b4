"""The scalable engine: the reference's agglomeration, between neighbouring clusters only.

The reference (``genkend.cluster.exact``) holds every distance: O(n^2) memory. Here each
face's ``neighbours`` nearest faces within ``max_mean_distance`` are looked up in an
exact FAISS index (``genkend.index.FlatFloatIndex``), and two clusters are compared only
if such an edge joins them ("adjacent"). That loses nothing the rules allow: clusters
whose mean distance is within ``max_mean_distance`` have at least one pair within it.

For every two adjacent clusters the engine keeps the exact total distance over all
their face pairs, or infinity once a pair exceeds ``max_diameter`` or a constraint
forbids the merge (both permanent: a merged cluster keeps the offending pair). When two
clusters merge, their totals with each neighbour add up; where only one part had a
total, the other part's block of distances is computed exactly. A heap (one entry per
cluster, see ``_Agglomeration``) yields the adjacent pair with the smallest merge key,
ties to the smaller cluster numbers, exactly as the reference chooses.

So every merge is one the reference's rules allow, with its exact key, and the two
engines give the same clusters whenever no face has more than ``neighbours`` faces
within ``max_mean_distance`` (every such pair is then an edge). Beyond that this engine
may pass over a merge between clusters that no edge joins.

Cost: the FAISS scan (n^2 dim flops, in C) plus, per merge, work proportional to the
two clusters' neighbours: a person with m faces costs up to O(m^2) distances.

Invariant: every total held is exact or infinite and every merge is allowed when made,
so every cluster's faces are pairwise within ``max_diameter`` (must-link groups aside).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from itertools import chain

import numpy as np
from numpy.typing import NDArray

from genkend.cluster.params import ClusterParams
from genkend.cluster.problem import Problem, Vectors
from genkend.index import FlatFloatIndex
from genkend.index.space import FloatSpace

# Queries per FAISS batch: bounds the Neighbour objects alive at once.
_QUERY_BATCH = 2_048


@dataclass(frozen=True)
class Graph:
    """Edges between faces: ``low < high``, each pair once, with its exact distance."""

    low: NDArray[np.int64]
    high: NDArray[np.int64]
    distance: NDArray[np.float64]


def neighbour_graph(vectors: Vectors, queries: NDArray[np.int64], params: ClusterParams) -> Graph:
    """Edges from each face in ``queries`` to its nearest faces within ``max_mean_distance``."""
    index = FlatFloatIndex(vectors.shape[1])
    index.add(np.arange(vectors.shape[0], dtype=np.int64), vectors)
    low: list[int] = []
    high: list[int] = []
    distance: list[float] = []
    for start in range(0, queries.size, _QUERY_BATCH):
        batch = queries[start : start + _QUERY_BATCH]
        # One more than wanted: the face itself comes back too.
        found = index.search_many(vectors[batch], params.neighbours + 1, params.max_mean_distance)
        for face, hits in zip(batch.tolist(), found, strict=True):
            others = [hit for hit in hits if hit.id != face][: params.neighbours]
            low.extend(min(face, hit.id) for hit in others)
            high.extend(max(face, hit.id) for hit in others)
            distance.extend(hit.distance for hit in others)
    low_array, high_array = np.array(low, dtype=np.int64), np.array(high, dtype=np.int64)
    # A pair found from both ends appears twice, with the same exact distance.
    _, first = np.unique(low_array * vectors.shape[0] + high_array, return_index=True)
    return Graph(low_array[first], high_array[first], np.array(distance)[first])


def agglomerate(problem: Problem, params: ClusterParams, graph: Graph) -> NDArray[np.int64]:
    """The head (smallest group number) of each group's final cluster."""
    return _Agglomeration(problem, params, graph).run()


# A heap entry: (key, low, high, owner, owner's version, partner's version). ``owner`` is
# the cluster (low or high) whose best candidate the entry is.
_Entry = tuple[float, int, int, int, int, int]


class _Agglomeration:
    """One run. Clusters are named by their head, the smallest group number in them;
    ``_links[a][c]`` is the total distance between clusters ``a`` and ``c`` (or inf).

    The heap does not hold every pair: each cluster keeps one entry, its best pair among
    those it is responsible for (pairs with smaller or equally large clusters, see
    ``_covers``), so a cluster that grows by absorbing its neighbours one by one (one
    person's many faces) costs one entry per merge, not one per neighbour. An entry
    whose partner has changed since is a lower bound for its owner: when it comes up,
    the owner's best is computed afresh. So the smallest entry is always at most the
    smallest key of any pair, and an entry that is still exact when it comes up is the
    pair to merge.
    """

    def __init__(self, problem: Problem, params: ClusterParams, graph: Graph) -> None:
        self._params = params
        self._vectors = problem.vectors
        self._space = FloatSpace(problem.vectors.shape[1])
        self._members: list[list[int]] = [m.tolist() for m in problem.members()]
        self._size = [len(m) for m in self._members]
        self._anchored: list[bool] = problem.anchored.tolist()
        self._cannot: dict[int, set[int]] = {}
        for a, b in problem.cannot_link:
            self._cannot.setdefault(a, set()).add(b)
            self._cannot.setdefault(b, set()).add(a)
        self._merged_into = list(range(problem.groups))
        # A cluster's version changes with each merge it takes part in.
        self._version = [0] * problem.groups
        self._links: list[dict[int, float]] = [{} for _ in range(problem.groups)]
        self._heap: list[_Entry] = []
        self._lowest = [math.inf] * problem.groups  # key of each cluster's lowest entry
        self._link_groups(problem, graph)
        for group in range(problem.groups):
            self._push_best(group)

    def run(self) -> NDArray[np.int64]:
        while self._heap:
            entry = heapq.heappop(self._heap)
            if self._check(entry):
                ties = self._ties(entry)
                self._merge(ties[1], ties[2])
        return self._heads()

    def _check(self, entry: _Entry) -> bool:
        """Whether ``entry`` still states its pair's key; if only its partner changed, the
        owner's best is looked up again (its entry was a lower bound)."""
        _, low, high, owner, owner_version, partner_version = entry
        if self._version[owner] != owner_version:
            return False  # the owner merged since and has a fresh entry, or is gone
        if self._version[high if owner == low else low] != partner_version:
            self._push_best(owner)
            return False
        return True

    def _ties(self, entry: _Entry) -> _Entry:
        """Among exact entries with ``entry``'s key, the one with the smallest pair.

        Entries with an equal key that are only lower bounds are resolved first, so
        that ties are broken by cluster numbers exactly as in the reference.
        """
        exact = [entry]
        while self._heap and self._heap[0][0] == entry[0]:
            other = heapq.heappop(self._heap)
            if self._check(other):
                exact.append(other)
        exact.sort()
        for other in exact[1:]:
            heapq.heappush(self._heap, other)
        return exact[0]

    def _covers(self, a: int, c: int) -> bool:
        """Whether cluster ``a`` is responsible for its pair with ``c``: the larger one is,
        or the one with the smaller number when both are as large."""
        return self._size[a] > self._size[c] or (self._size[a] == self._size[c] and a < c)

    def _key(self, a: int, c: int, total: float) -> float:
        pairs = self._size[a] * self._size[c]
        return total / pairs + self._params.margin / math.sqrt(pairs)

    def _push(self, owner: int, partner: int, key: float) -> None:
        low, high = min(owner, partner), max(owner, partner)
        version = self._version
        entry = (key, low, high, owner, version[owner], version[partner])
        heapq.heappush(self._heap, entry)
        self._lowest[owner] = min(self._lowest[owner], key)

    def _push_best(self, a: int) -> None:
        """Push ``a``'s best pair among those it is responsible for, if any may merge."""
        size, size_a, margin = self._size, self._size[a], self._params.margin
        best, best_key = -1, math.inf
        # The loop inlines _covers and _key: it runs over every neighbour of a cluster.
        for c, total in self._links[a].items():
            size_c = size[c]
            if total < math.inf and (size_a > size_c or (size_a == size_c and a < c)):
                pairs = size_a * size_c
                key = total / pairs + margin / math.sqrt(pairs)
                if key < best_key or (key == best_key and c < best):
                    best, best_key = c, key
        self._lowest[a] = math.inf
        if best_key <= self._params.max_mean_distance:
            self._push(a, best, best_key)

    def _link_groups(self, problem: Problem, graph: Graph) -> None:
        """Exact totals between every two groups that an edge joins."""
        a, b = problem.group_of[graph.low], problem.group_of[graph.high]
        between = a != b
        low, high = np.minimum(a, b)[between], np.maximum(a, b)[between]
        keys, first = np.unique(low * problem.groups + high, return_index=True)
        edge = graph.distance[between][first].tolist()
        larger: dict[int, list[int]] = {}
        for key, distance in zip(keys.tolist(), edge, strict=True):
            g, h = divmod(key, problem.groups)
            if self._size[g] * self._size[h] == 1:
                self._set_link(g, h, distance)  # two single faces: the edge is their only pair
            else:
                larger.setdefault(g, []).append(h)
        for g, others in larger.items():
            for h, total in zip(others, self._totals(g, others), strict=True):
                self._set_link(g, h, total)

    def _allowed(self, a: int, c: int) -> bool:
        """Whether the constraints and anchors let clusters ``a`` and ``c`` merge."""
        return not (self._anchored[a] and self._anchored[c]) and c not in self._cannot.get(a, ())

    def _set_link(self, a: int, c: int, total: float) -> None:
        self._links[a][c] = self._links[c][a] = total if self._allowed(a, c) else math.inf

    def _totals(self, head: int, others: list[int]) -> list[float]:
        """Total distance from cluster ``head``'s faces to each of ``others``' faces;
        infinity where a pair exceeds ``max_diameter``."""
        if not others:
            return []
        faces = np.fromiter(chain.from_iterable(self._members[c] for c in others), dtype=np.int64)
        own = self._members[head]
        sums, maxima = np.zeros(faces.size), np.zeros(faces.size)
        # Loop over the smaller side; each step is one vectorised scan of the other.
        if len(own) <= faces.size:
            stored = self._vectors[faces]
            for face in own:
                row = self._space.distances(stored, self._vectors[face])
                sums += row
                np.maximum(maxima, row, out=maxima)
        else:
            stored = self._vectors[own]
            for column, face in enumerate(faces.tolist()):
                distances = self._space.distances(stored, self._vectors[face])
                sums[column], maxima[column] = distances.sum(), distances.max()
        starts = np.cumsum([0] + [self._size[c] for c in others[:-1]])
        too_far = np.maximum.reduceat(maxima, starts) > self._params.max_diameter
        totals: list[float] = np.where(too_far, math.inf, np.add.reduceat(sums, starts)).tolist()
        return totals

    def _merge(self, a: int, b: int) -> None:
        """Merge cluster ``b`` into ``a`` (a < b, so ``a`` heads the result)."""
        links_a, links_b = self._links[a], self._links[b]
        del links_a[b], links_b[a]
        anchored = self._anchored[a] or self._anchored[b]
        cannot = self._cannot.get(a, set()) | self._cannot.get(b, set())

        def wanted(c: int, total: float) -> bool:
            # Worth a block of distances only if the merged cluster might merge with c.
            return total < math.inf and not (anchored and self._anchored[c]) and c not in cannot

        # A neighbour of one part only needs its block of distances to the other part.
        need_b = [c for c, total in links_a.items() if c not in links_b and wanted(c, total)]
        need_a = [c for c, total in links_b.items() if c not in links_a and wanted(c, total)]
        from_b = dict(zip(need_b, self._totals(b, need_b), strict=True))
        from_a = dict(zip(need_a, self._totals(a, need_a), strict=True))
        for c in links_a:
            if c not in links_b:
                links_a[c] += from_b.get(c, math.inf)
        for c, total in links_b.items():
            del self._links[c][b]
            links_a[c] = total + links_a.get(c, from_a.get(c, math.inf))
        self._absorb(a, b)
        self._relink(a)

    def _relink(self, a: int) -> None:
        """After a merge into ``a``: mirror its totals, forbid what constraints forbid,
        queue its best pair, and give a larger neighbour a lower entry if it needs one."""
        links, size, lowest = self._links, self._size, self._lowest
        size_a, margin, limit = size[a], self._params.margin, self._params.max_mean_distance
        anchored, cannot = self._anchored[a], self._cannot.get(a, set())
        # The loop inlines _allowed, _covers and _key: it runs over every neighbour of a
        # growing cluster, once per merge.
        for c, total in links[a].items():
            if total < math.inf and ((anchored and self._anchored[c]) or c in cannot):
                total = links[a][c] = math.inf
            links[c][a] = total
            size_c = size[c]
            if total < math.inf and (size_c > size_a or (size_c == size_a and c < a)):
                pairs = size_a * size_c
                key = total / pairs + margin / math.sqrt(pairs)
                if key < lowest[c] and key <= limit:
                    self._push(c, a, key)
        self._push_best(a)

    def _absorb(self, a: int, b: int) -> None:
        """Move ``b``'s faces, anchor and cannot-links to ``a``; retire ``b``."""
        self._members[a].extend(self._members[b])
        self._members[b] = []
        self._links[b] = {}
        self._size[a] += self._size[b]
        self._anchored[a] |= self._anchored[b]
        for c in self._cannot.pop(b, set()):
            self._cannot[c].discard(b)
            self._cannot[c].add(a)
            self._cannot.setdefault(a, set()).add(c)
        self._merged_into[b] = a
        self._version[a] += 1
        self._version[b] += 1

    def _heads(self) -> NDArray[np.int64]:
        heads = np.array(self._merged_into, dtype=np.int64)
        # Each group was merged into a smaller one, so one ascending pass resolves chains.
        for group in range(heads.size):
            heads[group] = heads[heads[group]]
        return heads
