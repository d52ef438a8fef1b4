"""Contract tests for genkend.index: every implementation against the linear-scan oracle.

One parametrised class runs against every index kind. Exact kinds must return what the
oracle returns, ties and their order included; HNSW must report exact distances and
find almost every true neighbour. Data is synthetic and seeded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import pytest
from numpy.typing import NDArray

import genkend.index
from genkend.errors import WorkspaceError
from genkend.index import (
    BinaryIndex,
    ExactBinaryIndex,
    ExactFloatIndex,
    FlatFloatIndex,
    HnswFloatIndex,
    HnswParams,
    VectorIndex,
    build_float_index,
    load_float_index,
)
from genkend.records import Neighbour

SEED = 20240601
FLOAT_DIM = 16
PDQ_BITS = 256
N_STORED = 1_500
INF = math.inf

Vectors = NDArray[np.float32] | NDArray[np.uint8]


def float_vectors(rng: np.random.Generator, n: int) -> Vectors:
    """Clustered embeddings, a twentieth of them exact duplicates so that ties occur."""
    centres = rng.standard_normal((max(n // 20, 1), FLOAT_DIM))
    noise = 0.3 * rng.standard_normal((n, FLOAT_DIM))
    vectors = (centres[rng.integers(0, len(centres), n)] + noise).astype(np.float32)
    vectors[n // 2 : n // 2 + n // 20] = vectors[: n // 20]
    return vectors


def pdq_hashes(rng: np.random.Generator, n: int) -> Vectors:
    """Random 256-bit hashes; a tenth are near-duplicates (5% bits flipped), some equal."""
    hashes = rng.integers(0, 256, (n, PDQ_BITS // 8), dtype=np.uint8)
    near = n // 10
    bits = np.unpackbits(hashes[:near], axis=1)
    flipped = bits ^ (rng.random(bits.shape) < 0.05).astype(np.uint8)
    hashes[n - near :] = np.packbits(flipped, axis=1)
    hashes[n // 2 : n // 2 + 10] = hashes[0]
    return hashes


@dataclass(frozen=True)
class Kind:
    """One index implementation, its oracle, the data it indexes and a telling threshold."""

    name: str
    make: Callable[[], VectorIndex]
    oracle: Callable[[], VectorIndex]
    data: Callable[[np.random.Generator, int], Vectors]
    width: int
    max_distance: float

    @property
    def exact(self) -> bool:
        return self.make().exact


def _float_kind(name: str, make: Callable[[], VectorIndex]) -> Kind:
    return Kind(name, make, lambda: ExactFloatIndex(FLOAT_DIM), float_vectors, FLOAT_DIM, 1.0)


def _binary_kind(name: str, make: Callable[[], VectorIndex]) -> Kind:
    return Kind(name, make, lambda: ExactBinaryIndex(PDQ_BITS), pdq_hashes, PDQ_BITS // 8, 31)


KINDS = [
    _float_kind("exact-float", lambda: ExactFloatIndex(FLOAT_DIM)),
    _float_kind("flat-float", lambda: FlatFloatIndex(FLOAT_DIM)),
    _float_kind("hnsw-float", lambda: HnswFloatIndex(FLOAT_DIM)),
    _binary_kind("exact-binary", lambda: ExactBinaryIndex(PDQ_BITS)),
    _binary_kind("binary", lambda: BinaryIndex(PDQ_BITS)),
]


@dataclass(frozen=True)
class Loaded:
    """An index under test and the oracle, both holding the same data."""

    kind: Kind
    index: VectorIndex
    oracle: VectorIndex
    ids: NDArray[np.int64]
    vectors: Vectors
    queries: Vectors


@pytest.fixture(autouse=True, scope="module")
def one_faiss_thread() -> Iterator[None]:
    """Run FAISS single-threaded here: tests share a few cores with other processes, and
    OpenMP oversubscription made this file 5-10 times slower (FAISS's own threading is
    not what these tests are about)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


@pytest.fixture(scope="module", params=KINDS, ids=[kind.name for kind in KINDS])
def kind(request: pytest.FixtureRequest) -> Kind:
    chosen: Kind = request.param
    return chosen


@pytest.fixture(scope="module")
def loaded(kind: Kind) -> Loaded:
    """Index and oracle over the same data; built once per kind, so tests must not add."""
    rng = np.random.default_rng(SEED)
    vectors = kind.data(rng, N_STORED)
    # Sparse, unordered ids, as a store hands them out after deletions.
    ids = rng.choice(10**12, size=N_STORED, replace=False).astype(np.int64)
    # Queries: stored vectors (distance 0 and ties) and fresh ones.
    queries = np.concatenate([vectors[:: N_STORED // 20], kind.data(rng, 20)])
    index, oracle = kind.make(), kind.oracle()
    for target in (index, oracle):
        # Two adds, to exercise appending.
        target.add(ids[:1000], vectors[:1000])
        target.add(ids[1000:], vectors[1000:])
    return Loaded(kind, index, oracle, ids, vectors, queries)


def _ids(neighbours: list[Neighbour]) -> list[int]:
    return [n.id for n in neighbours]


def _is_sorted(neighbours: list[Neighbour]) -> bool:
    keys = [(n.distance, n.id) for n in neighbours]
    return keys == sorted(keys)


def _assert_agrees(loaded: Loaded, got: list[list[Neighbour]], want: list[list[Neighbour]]) -> None:
    """Exact kinds: equal to the oracle. HNSW: sorted, exact distances, high recall."""
    if loaded.kind.exact:
        assert got == want
        return
    found = sum(len(set(_ids(g)) & set(_ids(w))) for g, w in zip(got, want, strict=True))
    assert found >= 0.98 * sum(len(w) for w in want)
    for query, hits in zip(loaded.queries, got, strict=True):
        assert _is_sorted(hits)
        every = loaded.oracle.search(query, N_STORED, INF)
        truth = {n.id: n.distance for n in every}
        assert all(n.distance == truth[n.id] for n in hits)


class TestContract:
    """What every VectorIndex promises."""

    def test_is_a_vector_index(self, kind: Kind) -> None:
        index = kind.make()
        assert isinstance(index, VectorIndex)
        assert len(index) == 0
        assert index.metric == ("l2" if kind.width == FLOAT_DIM else "hamming")
        assert index.dim == (FLOAT_DIM if index.metric == "l2" else PDQ_BITS)

    @pytest.mark.parametrize("k", [1, 10, 60])
    def test_knn_matches_oracle(self, loaded: Loaded, k: int) -> None:
        got = loaded.index.search_many(loaded.queries, k, INF)
        want = loaded.oracle.search_many(loaded.queries, k, INF)
        assert all(len(hits) == k for hits in want)
        _assert_agrees(loaded, got, want)

    def test_ties_are_ordered_by_id(self, loaded: Loaded) -> None:
        # vectors[0] is stored under at least two ids (the planted duplicates).
        hits = loaded.index.search(loaded.vectors[0], 3, INF)
        twins = sorted(loaded.ids[(loaded.vectors == loaded.vectors[0]).all(axis=1)])
        assert len(twins) >= 2
        assert [n.distance for n in hits[:2]] == [0.0, 0.0]
        assert _ids(hits[:2]) == [int(i) for i in twins[:2]]

    def test_more_ties_than_candidates_are_ranked_by_id(self, kind: Kind) -> None:
        # 40 equal vectors outnumber the candidates FAISS returns for k=5 (k + margin),
        # so the exact kinds must look beyond them to find the five smallest ids.
        rng = np.random.default_rng(SEED)
        vectors = kind.data(rng, 60)
        vectors[:40] = vectors[0]
        ids = rng.permutation(np.arange(1_000, 1_060))
        index, oracle = kind.make(), kind.oracle()
        for target in (index, oracle):
            target.add(ids, vectors)
        want = oracle.search(vectors[0], 5, INF)
        assert _ids(want) == sorted(ids[:40].tolist())[:5]
        if kind.exact:
            assert index.search(vectors[0], 5, INF) == want
        else:
            assert all(n.distance == 0.0 for n in index.search(vectors[0], 5, INF))

    def test_max_distance_filters(self, loaded: Loaded) -> None:
        limit = loaded.kind.max_distance
        got = loaded.index.search_many(loaded.queries, 50, limit)
        want = loaded.oracle.search_many(loaded.queries, 50, limit)
        kept = [len(hits) for hits in want]
        assert 0 < sum(kept) < 50 * len(want)  # the threshold does cut
        assert all(n.distance <= limit for hits in got for n in hits)
        _assert_agrees(loaded, got, want)

    def test_max_distance_zero_finds_identical_only(self, loaded: Loaded) -> None:
        hits = loaded.index.search(loaded.vectors[3], 10, 0.0)
        assert hits
        assert all(n.distance == 0.0 for n in hits)
        assert int(loaded.ids[3]) in _ids(hits)

    def test_search_radius_matches_oracle(self, loaded: Loaded) -> None:
        limit = loaded.kind.max_distance
        got = [loaded.index.search_radius(q, limit) for q in loaded.queries]
        want = [loaded.oracle.search_radius(q, limit) for q in loaded.queries]
        assert max(len(hits) for hits in want) > 1
        _assert_agrees(loaded, got, want)

    def test_search_is_search_many_of_one(self, loaded: Loaded) -> None:
        query = loaded.queries[-1]
        assert (
            loaded.index.search(query, 7, INF)
            == loaded.index.search_many(query[np.newaxis, :], 7, INF)[0]
        )

    def test_k_larger_than_len_returns_everything(self, kind: Kind) -> None:
        rng = np.random.default_rng(SEED)
        index, oracle = kind.make(), kind.oracle()
        vectors = kind.data(rng, 30)
        for target in (index, oracle):
            target.add(np.arange(30), vectors)
        got = index.search(vectors[0], 100, INF)
        assert sorted(_ids(got)) == list(range(30))
        assert got == oracle.search(vectors[0], 100, INF)

    def test_empty_index_finds_nothing(self, kind: Kind) -> None:
        index = kind.make()
        query = kind.data(np.random.default_rng(SEED), 2)
        assert index.search(query[0], 5, INF) == []
        assert index.search_many(query, 5, INF) == [[], []]
        assert index.search_radius(query[0], INF) == []

    def test_no_queries_no_results(self, loaded: Loaded) -> None:
        assert loaded.index.search_many(loaded.queries[:0], 5, INF) == []

    def test_ids_in_insertion_order_and_read_only(self, loaded: Loaded) -> None:
        assert loaded.index.ids().tolist() == loaded.ids.tolist()
        assert len(loaded.index) == N_STORED
        with pytest.raises(ValueError, match="read-only"):
            loaded.index.ids()[0] = 1

    def test_empty_add_is_a_no_op(self, loaded: Loaded) -> None:
        loaded.index.add(np.empty(0, dtype=np.int64), loaded.vectors[:0])
        assert len(loaded.index) == N_STORED

    def test_duplicate_id_is_refused_and_changes_nothing(self, kind: Kind) -> None:
        vectors = kind.data(np.random.default_rng(SEED), 40)
        index = kind.make()
        index.add(np.arange(30), vectors[:30])
        with pytest.raises(ValueError, match="already in the index"):
            index.add(np.array([100, 5]), vectors[30:32])
        with pytest.raises(ValueError, match="distinct"):
            index.add(np.array([100, 100]), vectors[30:32])
        assert len(index) == 30
        assert index.ids().tolist() == list(range(30))
        index.add(np.array([100, 101]), vectors[30:32])
        assert 101 in _ids(index.search(vectors[31], 5, 0.0))

    def test_dimension_mismatch_is_refused(self, loaded: Loaded) -> None:
        wrong = np.zeros((2, loaded.kind.width + 1), dtype=loaded.vectors.dtype)
        with pytest.raises(ValueError, match="shape"):
            loaded.index.add(np.array([10**13, 10**13 + 1]), wrong)
        with pytest.raises(ValueError, match="shape"):
            loaded.index.search(wrong[0], 1, INF)
        with pytest.raises(ValueError, match="shape"):
            loaded.index.search_many(wrong, 1, INF)
        with pytest.raises(ValueError, match="shape"):
            loaded.index.search_radius(wrong[0], INF)
        with pytest.raises(ValueError, match="shape"):
            loaded.index.search(loaded.queries, 1, INF)  # a batch where one query belongs

    @pytest.mark.parametrize(
        ("ids", "message"),
        [
            (np.array([-1, 2]), "between 0"),
            (np.array([1.0, 2.0]), "integers"),
            (np.array([[1, 2]]), "1-D"),
            (np.array([1, 2, 3]), "3 ids for 2 vectors"),
        ],
    )
    def test_bad_ids_are_refused(self, kind: Kind, ids: NDArray[np.generic], message: str) -> None:
        index = kind.make()
        with pytest.raises(ValueError, match=message):
            index.add(ids, kind.data(np.random.default_rng(SEED), 2))
        assert len(index) == 0

    @pytest.mark.parametrize(("k", "max_distance"), [(0, INF), (-1, INF), (1, -1.0), (1, math.nan)])
    def test_bad_k_or_max_distance_is_refused(
        self, loaded: Loaded, k: int, max_distance: float
    ) -> None:
        with pytest.raises(ValueError, match=r"k must|max_distance must"):
            loaded.index.search(loaded.queries[0], k, max_distance)


class TestFloatOnly:
    """Checks that only make sense for float embeddings."""

    @pytest.mark.parametrize("make", [ExactFloatIndex, FlatFloatIndex, HnswFloatIndex])
    def test_distances_are_euclidean_not_squared(self, make: Callable[[int], VectorIndex]) -> None:
        index = make(2)
        index.add(np.array([7]), np.array([[3.0, 4.0]]))
        assert index.search(np.array([0.0, 0.0]), 1, INF) == [Neighbour(7, 5.0)]

    @pytest.mark.parametrize("make", [ExactFloatIndex, FlatFloatIndex, HnswFloatIndex])
    def test_non_finite_vectors_are_refused(self, make: Callable[[int], VectorIndex]) -> None:
        index = make(2)
        with pytest.raises(ValueError, match="NaN or infinite"):
            index.add(np.array([1]), np.array([[math.nan, 0.0]]))
        with pytest.raises(ValueError, match="real numbers"):
            index.add(np.array([1]), np.array([["a", "b"]]))

    def test_flat_is_exact_where_float32_rounding_misorders(self) -> None:
        # Vectors on nearly the same sphere around a far-off query: their distances
        # differ by less than float32 rounding of |x|^2 + |y|^2 - 2<x, y>, so FAISS's
        # own order is wrong; the exact fallback must restore the oracle's order.
        rng = np.random.default_rng(SEED)
        centre = np.full(FLOAT_DIM, 100.0)
        directions = rng.standard_normal((400, FLOAT_DIM))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        radii = 1.0 + 1e-5 * rng.random((400, 1))
        vectors = (centre + directions * radii).astype(np.float32)
        queries = np.repeat(centre[np.newaxis, :], 25, axis=0).astype(np.float32)
        flat, oracle = FlatFloatIndex(FLOAT_DIM), ExactFloatIndex(FLOAT_DIM)
        for target in (flat, oracle):
            target.add(np.arange(400), vectors)
        want = oracle.search_many(queries, 10, INF)
        # Batches of 20 or more queries take FAISS's BLAS path, where rounding is worst.
        raw_order = flat._inner.search(queries, 10)[1][0].tolist()
        assert raw_order != _ids(want[0]), "the data no longer provokes misordering"
        assert flat.search_many(queries, 10, INF) == want

    def test_hnsw_recall_at_10_on_20k_vectors(self) -> None:
        # Default parameters, clustered unit vectors, queries near stored ones.
        rng = np.random.default_rng(SEED)
        n, dim, count = 20_000, 32, 100
        centres = rng.standard_normal((n // 5, dim))
        vectors = centres[rng.integers(0, n // 5, n)] + 0.25 * rng.standard_normal((n, dim))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        near = vectors[rng.choice(n, count, replace=False)]
        queries = near + 0.02 * rng.standard_normal((count, dim))
        hnsw, oracle = HnswFloatIndex(dim), ExactFloatIndex(dim)
        for target in (hnsw, oracle):
            target.add(np.arange(n), vectors)
        got = hnsw.search_many(queries, 10, INF)
        want = oracle.search_many(queries, 10, INF)
        found = sum(len(set(_ids(g)) & set(_ids(w))) for g, w in zip(got, want, strict=True))
        assert found / (10 * count) >= 0.99


class TestBinaryOnly:
    """The near-duplicate question for PDQ hashes."""

    @pytest.mark.parametrize("make", [ExactBinaryIndex, BinaryIndex])
    def test_radius_31_includes_31_bits_and_excludes_32(
        self, make: Callable[[], VectorIndex]
    ) -> None:
        rng = np.random.default_rng(SEED)
        query = rng.integers(0, 256, PDQ_BITS // 8, dtype=np.uint8)
        bits = np.unpackbits(query)
        stored = []
        for flips in (0, 1, 31, 32, 128):
            changed = bits.copy()
            changed[:flips] ^= 1
            stored.append(np.packbits(changed))
        index = make()
        index.add(np.array([100, 101, 131, 132, 228]), np.array(stored))
        assert index.search_radius(query, 31) == [
            Neighbour(100, 0.0),
            Neighbour(101, 1.0),
            Neighbour(131, 31.0),
        ]
        assert _ids(index.search(query, 10, 31.5)) == [100, 101, 131]

    def test_radius_search_finds_every_match_beyond_any_k(self) -> None:
        # 500 copies of one hash: a near-duplicate search must return all of them.
        rng = np.random.default_rng(SEED)
        hashes = rng.integers(0, 256, (2_000, PDQ_BITS // 8), dtype=np.uint8)
        hashes[:500] = hashes[0]
        index = BinaryIndex()
        index.add(np.arange(2_000), hashes)
        hits = index.search_radius(hashes[0], 31)
        assert _ids(hits) == list(range(500))

    def test_binary_rows_must_be_bytes(self) -> None:
        with pytest.raises(ValueError, match="uint8"):
            BinaryIndex().add(np.array([1]), np.zeros((1, 32), dtype=np.int64))


class TestPersistence:
    """save / load round trips through FAISS's own format, never pickle."""

    @pytest.mark.parametrize(
        "make",
        [
            lambda: FlatFloatIndex(FLOAT_DIM),
            lambda: HnswFloatIndex(FLOAT_DIM, HnswParams(m=8, ef_construction=20, ef_search=77)),
        ],
    )
    def test_float_round_trip(
        self, tmp_path: Path, make: Callable[[], FlatFloatIndex | HnswFloatIndex]
    ) -> None:
        rng = np.random.default_rng(SEED)
        vectors = float_vectors(rng, 300)
        index = make()
        index.add(np.arange(1_000, 1_300), vectors)
        path = tmp_path / "gallery.faiss"
        index.save(path)
        again = load_float_index(path)
        assert type(again) is type(index)
        assert again.ids().tolist() == index.ids().tolist()
        assert again.search_many(vectors[:20], 5, INF) == index.search_many(vectors[:20], 5, INF)
        assert type(index).load(path).dim == FLOAT_DIM
        if isinstance(index, HnswFloatIndex):
            assert isinstance(again, HnswFloatIndex)
            assert again.params == HnswParams(m=8, ef_construction=20, ef_search=77)
        assert [p.name for p in tmp_path.iterdir()] == ["gallery.faiss"]  # no leftovers

    def test_binary_round_trip(self, tmp_path: Path) -> None:
        hashes = pdq_hashes(np.random.default_rng(SEED), 300)
        index = BinaryIndex()
        index.add(np.arange(300), hashes)
        path = tmp_path / "pdq.faiss"
        index.save(path)
        again = BinaryIndex.load(path)
        assert again.ids().tolist() == list(range(300))
        assert again.search_radius(hashes[0], 31) == index.search_radius(hashes[0], 31)

    def test_loaded_index_keeps_refusing_present_ids(self, tmp_path: Path) -> None:
        index = FlatFloatIndex(2)
        index.add(np.array([5]), np.zeros((1, 2)))
        index.save(tmp_path / "i.faiss")
        with pytest.raises(ValueError, match="already"):
            FlatFloatIndex.load(tmp_path / "i.faiss").add(np.array([5]), np.ones((1, 2)))

    def test_wrong_kind_of_file_is_refused(self, tmp_path: Path) -> None:
        FlatFloatIndex(FLOAT_DIM).save(tmp_path / "flat.faiss")
        BinaryIndex().save(tmp_path / "pdq.faiss")
        (tmp_path / "junk.faiss").write_bytes(b"not an index")
        with pytest.raises(WorkspaceError, match="not a HnswFloatIndex"):
            HnswFloatIndex.load(tmp_path / "flat.faiss")
        with pytest.raises(WorkspaceError, match="cannot read"):
            load_float_index(tmp_path / "pdq.faiss")
        with pytest.raises(WorkspaceError, match="cannot read"):
            BinaryIndex.load(tmp_path / "flat.faiss")
        with pytest.raises(WorkspaceError, match="cannot read"):
            load_float_index(tmp_path / "junk.faiss")
        with pytest.raises(WorkspaceError, match="does not exist"):
            BinaryIndex.load(tmp_path / "missing.faiss")

    def test_unwritable_path_is_a_workspace_error(self, tmp_path: Path) -> None:
        with pytest.raises(WorkspaceError, match="cannot write"):
            BinaryIndex().save(tmp_path / "no-such-folder" / "pdq.faiss")


class TestFactory:
    def test_small_galleries_get_an_exact_flat_index(self) -> None:
        index = build_float_index(128, size_hint=50_000)
        assert isinstance(index, FlatFloatIndex)
        assert index.exact

    def test_large_galleries_get_hnsw(self) -> None:
        index = build_float_index(128, size_hint=5_000_000, hnsw=HnswParams(ef_search=99))
        assert isinstance(index, HnswFloatIndex)
        assert not index.exact
        assert index.ef_search == 99

    def test_the_caller_can_insist(self) -> None:
        assert isinstance(build_float_index(8, 10**9, exact=True), FlatFloatIndex)
        assert isinstance(build_float_index(8, 10, exact=False), HnswFloatIndex)
        assert isinstance(build_float_index(8, 11, flat_limit=10), HnswFloatIndex)


def test_public_api_is_sorted_and_guarded() -> None:
    # isort-style, as ruff's RUF022 keeps it: constants, then classes, then functions.
    def style(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), not name[0].isupper(), name)

    assert genkend.index.__all__ == sorted(genkend.index.__all__, key=style)
    assert set(genkend.index.__all__) == {
        "DEFAULT_FLAT_LIMIT",
        "BinaryIndex",
        "ExactBinaryIndex",
        "ExactFloatIndex",
        "FaissFloatIndex",
        "FlatFloatIndex",
        "HnswFloatIndex",
        "HnswParams",
        "Metric",
        "VectorIndex",
        "build_float_index",
        "load_float_index",
    }
