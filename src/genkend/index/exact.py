"""Linear-scan indexes: trivially correct, and the oracle the fast indexes are tested against.

Each search computes the distance from the query to every stored vector with the space's
one definition of distance and ranks them all. Nothing is approximated or pruned, so the
result is correct by inspection; it is the reference for ``FlatFloatIndex``,
``HnswFloatIndex`` and ``BinaryIndex`` in the contract tests. Fine for small sets
(thousands of vectors); the FAISS indexes are for everything else.

Invariant: the stored rows, concatenated in order, align with ``ids()``.
"""

from __future__ import annotations

from typing import ClassVar, cast

import numpy as np

from genkend.index.base import IndexBase
from genkend.index.space import BinarySpace, FloatSpace, IdArray, Rows, Space, rank
from genkend.records import Neighbour


class _LinearScanIndex(IndexBase):
    """A linear scan over any space."""

    exact: ClassVar[bool] = True

    def __init__(self, space: Space) -> None:
        super().__init__(space)
        self._chunks: list[Rows] = []

    def _rows(self) -> Rows:
        # Adds append chunks; the first search after them joins the chunks once.
        if len(self._chunks) > 1:
            # All chunks share the space's dtype, which concatenation keeps.
            self._chunks = [cast(Rows, np.concatenate(self._chunks))]
        return self._chunks[0]

    def _store(self, ids: IdArray, rows: Rows) -> None:
        self._chunks.append(rows.copy())

    def _knn(self, queries: Rows, k: int, max_distance: float) -> list[list[Neighbour]]:
        return [self._ranked(query, k, max_distance) for query in queries]

    def _within(self, query: Rows, max_distance: float) -> list[Neighbour]:
        return self._ranked(query, None, max_distance)

    def _ranked(self, query: Rows, k: int | None, max_distance: float) -> list[Neighbour]:
        distances = self._space.distances(self._rows(), query)
        return rank(self._ids, distances, k, max_distance)


class ExactFloatIndex(_LinearScanIndex):
    """Linear scan over float embeddings of ``dim`` dimensions, Euclidean distance."""

    def __init__(self, dim: int) -> None:
        super().__init__(FloatSpace(dim))


class ExactBinaryIndex(_LinearScanIndex):
    """Linear scan over bit strings of ``bits`` bits (256 for PDQ), Hamming distance."""

    def __init__(self, bits: int = 256) -> None:
        super().__init__(BinarySpace(bits))
