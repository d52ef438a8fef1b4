"""The ``VectorIndex`` protocol and the bookkeeping every implementation shares.

``IndexBase`` owns what does not depend on how an index searches: argument checks, the
ids in insertion order, refusal of an id already present, and the empty cases. An
implementation supplies only ``_store``, ``_knn`` and ``_within``, and only ever sees
checked, non-empty input.

Invariant: ``ids()`` lists exactly the ids added, each once, in the order added; the
n-th stored vector belongs to the n-th id.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from genkend.index.space import (
    IdArray,
    Metric,
    Rows,
    Space,
    check_ids,
    check_k,
    check_max_distance,
)
from genkend.records import Neighbour


@runtime_checkable
class VectorIndex(Protocol):
    """A searchable set of vectors, each under a caller-chosen integer id.

    ``search`` answers the ``k`` nearest stored vectors within ``max_distance``;
    ``search_radius`` answers all of them within ``max_distance``, however many. Results
    are sorted by distance, then id. Distances are exact whatever the index; an index
    with ``exact`` false may miss true neighbours, never invent or misplace one.
    Indexes are derived data: the store is the truth and an index is rebuilt from it.
    """

    @property
    def dim(self) -> int:
        """Dimensions of a float vector, or bits of a binary one."""
        ...

    @property
    def metric(self) -> Metric:
        """``"l2"`` (Euclidean distance) or ``"hamming"`` (differing bits)."""
        ...

    @property
    def exact(self) -> bool:
        """True when every search returns exactly what a linear scan would."""
        ...

    def __len__(self) -> int: ...

    def ids(self) -> IdArray:
        """The ids held, in the order they were added (a read-only array)."""
        ...

    def add(self, ids: ArrayLike, vectors: ArrayLike) -> None:
        """Add ``vectors`` (n, width) under ``ids`` (n,); an id already held is refused."""
        ...

    def search(self, query: ArrayLike, k: int, max_distance: float) -> list[Neighbour]:
        """The at most ``k`` nearest neighbours of one query within ``max_distance``."""
        ...

    def search_many(self, queries: ArrayLike, k: int, max_distance: float) -> list[list[Neighbour]]:
        """``search`` for each row of ``queries`` (n, width), in one batch."""
        ...

    def search_radius(self, query: ArrayLike, max_distance: float) -> list[Neighbour]:
        """Every neighbour of one query within ``max_distance``."""
        ...


class IndexBase(ABC):
    """Shared checks and id bookkeeping; see the module docstring."""

    exact: ClassVar[bool]

    def __init__(self, space: Space, ids: IdArray | None = None) -> None:
        """``ids``: those already held by a loaded index (distinct, checked by the loader)."""
        self._space = space
        self._ids: IdArray = np.empty(0, dtype=np.int64) if ids is None else ids
        self._ids.flags.writeable = False
        # A sorted copy answers "is this id already here?" in O(log n) per id.
        self._sorted_ids: IdArray = np.sort(self._ids)

    @property
    def dim(self) -> int:
        return self._space.dim

    @property
    def metric(self) -> Metric:
        return self._space.metric

    def __len__(self) -> int:
        return int(self._ids.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, metric={self.metric!r}, len={len(self)})"

    def ids(self) -> IdArray:
        return self._ids

    def add(self, ids: ArrayLike, vectors: ArrayLike) -> None:
        checked_ids = check_ids(ids)
        rows = self._space.rows(vectors, "vectors")
        if rows.shape[0] != checked_ids.size:
            raise ValueError(f"{checked_ids.size} ids for {rows.shape[0]} vectors")
        if checked_ids.size == 0:
            return
        self._refuse_present(checked_ids)
        self._store(checked_ids, rows)
        self._register(checked_ids)

    def search(self, query: ArrayLike, k: int, max_distance: float) -> list[Neighbour]:
        return self.search_many(self._space.one(query), k, max_distance)[0]

    def search_many(self, queries: ArrayLike, k: int, max_distance: float) -> list[list[Neighbour]]:
        rows = self._space.rows(queries, "queries")
        k = check_k(k)
        max_distance = check_max_distance(max_distance)
        if len(self) == 0:
            return [[] for _ in range(rows.shape[0])]
        return self._knn(rows, k, max_distance)

    def search_radius(self, query: ArrayLike, max_distance: float) -> list[Neighbour]:
        row = self._space.one(query)[0]
        max_distance = check_max_distance(max_distance)
        if len(self) == 0:
            return []
        return self._within(row, max_distance)

    def _refuse_present(self, ids: IdArray) -> None:
        if self._sorted_ids.size == 0:
            return
        positions = np.searchsorted(self._sorted_ids, ids).clip(max=self._sorted_ids.size - 1)
        present = ids[self._sorted_ids[positions] == ids]
        if present.size:
            raise ValueError(f"ids already in the index: {present[:10].tolist()}")

    def _register(self, ids: IdArray) -> None:
        self._ids = np.concatenate([self._ids, ids])
        self._ids.flags.writeable = False
        new_sorted = np.sort(ids)
        self._sorted_ids = np.insert(
            self._sorted_ids, np.searchsorted(self._sorted_ids, new_sorted), new_sorted
        )

    @abstractmethod
    def _store(self, ids: IdArray, rows: Rows) -> None:
        """Keep ``rows`` so that the n-th stored row belongs to the n-th registered id."""

    @abstractmethod
    def _knn(self, queries: Rows, k: int, max_distance: float) -> list[list[Neighbour]]:
        """``search_many`` for checked queries against a non-empty index."""

    @abstractmethod
    def _within(self, query: Rows, max_distance: float) -> list[Neighbour]:
        """``search_radius`` for one checked query (width,) against a non-empty index."""
