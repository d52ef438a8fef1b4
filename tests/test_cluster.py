"""Tests of genkend.cluster on synthetic embeddings.

The exact reference is checked against SciPy's average linkage (an independent
implementation) where the two definitions coincide, and the scalable engine against
the reference on seeded random data. Fixtures mimic raw dlib descriptors: faces of one
person about 0.3 apart, different people about 1.0 apart. The bridge fixture chains two people
through look-alikes, which fools single linkage and Chinese whispers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import FrozenInstanceError, replace
from typing import Any

import dlib
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage

from genkend.cluster import (
    ClusterParams,
    Constraints,
    assign,
    assign_exact,
    cluster,
    cluster_exact,
)
from genkend.cluster.exact import pairwise_distances

DIM = 32
# Thresholds measured for raw dlib descriptors, the scale of the fixtures and of the
# Chinese-whispers reference at 0.5.
PARAMS = ClusterParams(max_distance=0.5, max_mean_distance=0.55, max_diameter=0.75)
# For standard normal faces in 6 dims (typical distance 3.5): many merges, some refused
# by the cap, and a neighbour list that holds every face within the mean threshold.
RANDOM_PARAMS = ClusterParams(
    max_distance=2.2, max_mean_distance=2.6, max_diameter=3.4, neighbours=200
)
Floats = NDArray[np.float32]
Labels = NDArray[np.int64]
Clusterer = Callable[..., Labels]


def blobs(rng: np.random.Generator, sizes: list[int]) -> tuple[Floats, NDArray[np.int64]]:
    """People (Gaussian blobs) of the given sizes, each face about 0.3 from its mates."""
    centres = rng.standard_normal((len(sizes), DIM)) / math.sqrt(2 * DIM)
    people = np.repeat(np.arange(len(sizes)), sizes)
    faces = centres[people] + 0.3 / math.sqrt(2 * DIM) * rng.standard_normal((people.size, DIM))
    return faces.astype(np.float32), people


def separated_blobs(rng: np.random.Generator, sizes: list[int]) -> tuple[Floats, NDArray[np.int64]]:
    """Blobs whose centres are at least 1.0 apart, so the right answer is unambiguous."""
    while True:
        faces, people = blobs(rng, sizes)
        centres = np.stack([faces[people == p].mean(axis=0) for p in range(len(sizes))])
        distances = pairwise_distances(centres.astype(np.float32))
        if (distances + np.eye(len(sizes)) * 9).min() > 0.9:
            return faces, people


def bridged_people(rng: np.random.Generator) -> tuple[Floats, NDArray[np.int64]]:
    """Two people 1.2 apart, six faces each, and a dense chain of 60 look-alikes between
    them whose steps (about 0.03) are far below every threshold. People: 0, 1; the
    look-alikes: 2. Faces in that order: person 0, look-alikes from 0 to 1, person 1."""
    a, b = np.zeros(DIM), np.zeros(DIM)
    b[0] = 1.2
    noise = 0.3 / math.sqrt(2 * DIM)
    face_a = a + noise * rng.standard_normal((6, DIM))
    face_b = b + noise * rng.standard_normal((6, DIM))
    steps = np.linspace(0.05, 0.95, 60)[:, np.newaxis]
    bridge = (1 - steps) * a + steps * b + 0.02 * rng.standard_normal((60, DIM))
    faces = np.concatenate([face_a, bridge, face_b]).astype(np.float32)
    people = np.array([0] * 6 + [2] * 60 + [1] * 6)
    return faces, people


def same_partition(x: NDArray[np.int64], y: NDArray[np.int64]) -> bool:
    """Whether two labellings group the faces the same way, whatever the label values."""
    pairs = np.unique(np.stack([x, y], axis=1), axis=0)
    return len(pairs) == len(np.unique(x)) == len(np.unique(y))


def diameters(faces: Floats, labels: Labels) -> list[float]:
    distances = pairwise_distances(faces)
    return [
        float(distances[np.ix_(labels == label, labels == label)].max())
        for label in np.unique(labels)
    ]


# ------------------------------------------------------------------ parameters, input


def test_params_defaults_are_ordered_distances() -> None:
    params = ClusterParams()
    assert params.max_distance <= params.max_mean_distance <= params.max_diameter
    assert params.margin == pytest.approx(params.max_mean_distance - params.max_distance)
    field = "max_distance"
    with pytest.raises(FrozenInstanceError):
        setattr(params, field, 0.1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_distance": -0.1},
        {"max_distance": math.nan},
        {"max_diameter": math.inf},
        {"max_distance": 0.6, "max_mean_distance": 0.55},
        {"max_mean_distance": 0.8, "max_diameter": 0.75},
        {"neighbours": 0},
        {"neighbours": True},
        {"max_distance": "0.5"},
    ],
)
def test_params_refuse_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ClusterParams(**kwargs)


def test_constraints_are_normalised_and_checked() -> None:
    constraints = Constraints(must_link=[[3, 1, 3], np.array([7, 5])], cannot_link=[(9, 2)])
    assert constraints.must_link == ((1, 3), (5, 7))
    assert constraints.cannot_link == ((2, 9),)
    assert constraints.highest_face() == 9
    assert Constraints().highest_face() == -1
    bad_cannot: list[Any] = [[(4, 4)], [(1, 2, 3)]]
    bad_must: list[Any] = [[[]], [[-1, 2]], [[1.0, 2]]]
    for cannot in bad_cannot:
        with pytest.raises(ValueError):
            Constraints(cannot_link=cannot)
    for must in bad_must:
        with pytest.raises(ValueError):
            Constraints(must_link=must)


@pytest.mark.parametrize("clusterer", [cluster, cluster_exact])
def test_empty_and_single_inputs(clusterer: Clusterer) -> None:
    empty = clusterer(np.empty((0, DIM), dtype=np.float32))
    assert empty.dtype == np.int64 and empty.shape == (0,)
    one = clusterer(np.ones((1, DIM)))
    assert one.dtype == np.int64 and one.tolist() == [0]


@pytest.mark.parametrize("clusterer", [cluster, cluster_exact])
@pytest.mark.parametrize("bad_value", [math.nan, math.inf])
def test_non_finite_embeddings_are_refused(clusterer: Clusterer, bad_value: float) -> None:
    faces = np.zeros((3, DIM))
    faces[1, 5] = bad_value
    with pytest.raises(ValueError, match="NaN or infinite"):
        clusterer(faces)


@pytest.mark.parametrize("shape", [(DIM,), (2, 0), (2, 3, 4)])
def test_embeddings_must_be_a_matrix(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        cluster(np.zeros(shape))


def test_constraint_beyond_the_faces_is_refused() -> None:
    with pytest.raises(ValueError, match="only 3 faces"):
        cluster(np.zeros((3, DIM)), constraints=Constraints(cannot_link=[(0, 3)]))


# ------------------------------------------------------------------ clustering


@pytest.mark.parametrize("clusterer", [cluster, cluster_exact])
def test_separated_people_are_found_exactly(clusterer: Clusterer) -> None:
    faces, people = separated_blobs(np.random.default_rng(1), [9, 5, 1, 3, 12, 2])
    labels = clusterer(faces, PARAMS)
    assert same_partition(labels, people)


def test_labels_number_clusters_by_first_face_and_singletons_are_clusters() -> None:
    faces, people = separated_blobs(np.random.default_rng(2), [1, 4, 1, 3])
    order = np.random.default_rng(3).permutation(people.size)
    labels = cluster(faces[order], PARAMS)
    first_seen = list(dict.fromkeys(labels.tolist()))
    assert first_seen == list(range(4))
    assert sorted(np.bincount(labels).tolist()) == [1, 1, 3, 4]


def test_bridge_fools_single_linkage_and_chinese_whispers_but_not_cluster() -> None:
    faces, people = bridged_people(np.random.default_rng(4))
    # The fixture is adversarial: both reference methods join the two people.
    single = fcluster(linkage(faces.astype(np.float64), "single"), 0.5, "distance")
    assert single[0] == single[-1]
    vectors = [dlib.vector(face.astype(np.float64).tolist()) for face in faces]
    whispers = dlib.chinese_whispers_clustering(vectors, 0.5)
    assert whispers[0] == whispers[-1]
    for clusterer in (cluster, cluster_exact):
        labels = clusterer(faces, PARAMS)
        assert not set(labels[people == 0]) & set(labels[people == 1])
        assert max(diameters(faces, labels)) <= PARAMS.max_diameter


def test_every_cluster_stays_within_the_diameter_on_random_data() -> None:
    rng = np.random.default_rng(5)
    faces = (rng.standard_normal((300, 8)) * 0.25).astype(np.float32)
    params = ClusterParams(max_distance=0.45, max_mean_distance=0.6, max_diameter=0.7)
    labels = cluster(faces, params)
    assert labels.max() < 299  # it did merge something
    assert max(diameters(faces, labels)) <= params.max_diameter


@pytest.mark.parametrize("seed", range(6))
def test_exact_reference_equals_scipy_average_linkage(seed: int) -> None:
    # With no evidence margin and no cap, the rule is plain average linkage cut at t.
    faces = np.random.default_rng(seed).standard_normal((120, 6)).astype(np.float32)
    params = ClusterParams(max_distance=2.4, max_mean_distance=2.4, max_diameter=1e6)
    scipy_labels = fcluster(linkage(faces.astype(np.float64), "average"), 2.4, "distance")
    assert same_partition(cluster_exact(faces, params), scipy_labels)


@pytest.mark.parametrize("seed", range(5))
def test_fast_equals_exact_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    faces = rng.standard_normal((160, 6)).astype(np.float32)
    constraints = Constraints(
        must_link=[rng.choice(160, 3, replace=False).tolist()],
        cannot_link=[tuple(rng.choice(160, 2, replace=False).tolist()) for _ in range(3)],
    )
    # Every face's neighbours within the threshold fit in the list: equal by design.
    params = RANDOM_PARAMS
    for given in (None, constraints):
        exact = cluster_exact(faces, params, given)
        assert np.array_equal(cluster(faces, params, given), exact)
        assert exact.max() < 150  # a run that merges a lot, not a trivial one


def test_fast_equals_exact_when_keys_tie() -> None:
    rng = np.random.default_rng(12)
    # Exact duplicates (the same picture twice) give equal keys, as does a lattice.
    faces = rng.standard_normal((50, 6)).astype(np.float32)
    faces = np.concatenate([faces, faces[rng.integers(0, 50, 30)]])[rng.permutation(80)]
    assert np.array_equal(cluster(faces, RANDOM_PARAMS), cluster_exact(faces, RANDOM_PARAMS))
    lattice = np.stack(np.meshgrid(*[np.arange(4)] * 3), axis=-1).reshape(-1, 3) * 0.6
    params = ClusterParams(max_distance=0.6, max_mean_distance=0.8, max_diameter=1.3)
    labels = cluster_exact(lattice, params)
    assert 1 < labels.max() < 63
    assert np.array_equal(cluster(lattice, params), labels)


@pytest.mark.parametrize("seed", range(4))
def test_fast_with_few_neighbours_still_equals_exact_on_people(seed: int) -> None:
    faces, _ = blobs(np.random.default_rng(seed), [40, 25, 10, 3, 1, 1, 30])
    few = replace(PARAMS, neighbours=5)
    assert np.array_equal(cluster(faces, few), cluster_exact(faces, few))


def test_clustering_is_deterministic_and_order_free() -> None:
    rng = np.random.default_rng(6)
    faces = (rng.standard_normal((200, 8)) * 0.25).astype(np.float32)
    params = ClusterParams(max_distance=0.45, max_mean_distance=0.6, max_diameter=0.7)
    first = cluster(faces, params)
    assert np.array_equal(cluster(faces.copy(), params), first)
    order = rng.permutation(200)
    assert same_partition(cluster(faces[order], params), first[order])


# ------------------------------------------------------------------ corrections


@pytest.mark.parametrize("clusterer", [cluster, cluster_exact])
def test_must_link_joins_different_people(clusterer: Clusterer) -> None:
    faces, people = separated_blobs(np.random.default_rng(7), [6, 6, 4])
    # Merging two clusters names all their faces: they end in one cluster, alone.
    both = np.flatnonzero(people <= 1).tolist()
    labels = clusterer(faces, PARAMS, Constraints(must_link=[both]))
    assert same_partition(labels, people == 2)
    # Two faces only: they stay together, but the others are not stretched across the
    # cap to follow them; each person's other faces stay one cluster.
    a, b = int(np.flatnonzero(people == 0)[0]), int(np.flatnonzero(people == 1)[0])
    labels = clusterer(faces, PARAMS, Constraints(must_link=[[a, b]]))
    assert labels[a] == labels[b]
    for person, face in ((0, a), (1, b)):
        others = np.flatnonzero(people == person)
        assert len(set(labels[others[others != face]])) == 1
    assert len(set(labels[people == 2])) == 1


@pytest.mark.parametrize("clusterer", [cluster, cluster_exact])
def test_cannot_link_splits_one_person(clusterer: Clusterer) -> None:
    faces, people = separated_blobs(np.random.default_rng(8), [8, 5])
    a, b = np.flatnonzero(people == 0)[[0, 1]].tolist()
    constraints = Constraints(cannot_link=[(a, b)])
    labels = clusterer(faces, PARAMS, constraints)
    assert labels[a] != labels[b]
    assert len(set(labels[people == 0])) == 2  # split in two, not shattered
    # The correction survives re-clustering.
    assert np.array_equal(clusterer(faces, PARAMS, constraints), labels)


def test_contradictory_constraints_are_refused() -> None:
    constraints = Constraints(must_link=[[0, 1], [1, 2]], cannot_link=[(0, 2)])
    with pytest.raises(ValueError, match="not the same person"):
        cluster(np.zeros((4, DIM)), PARAMS, constraints)


# ------------------------------------------------------------------ incremental assignment


@pytest.fixture
def case() -> tuple[Floats, Labels, Floats, Labels]:
    """Four people already clustered (labels 10, 20, 30, 40), and new faces: two more of
    person 20, three of a new person, one stranger. Returns existing faces, their
    labels, new faces, and the new faces' people."""
    faces, people = separated_blobs(np.random.default_rng(9), [6, 5, 4, 3, 3, 1])
    moved = np.flatnonzero(people == 1)[:2]
    is_new = people >= 4
    is_new[moved] = True
    new = np.concatenate([faces[moved], faces[people >= 4]])
    return faces[~is_new], (people[~is_new] + 1) * 10, new, np.array([20, 20, 50, 50, 50, 60])


@pytest.mark.parametrize("assigner", [assign, assign_exact])
def test_assign_joins_existing_and_forms_new_clusters(
    case: tuple[Floats, Labels, Floats, Labels], assigner: Clusterer
) -> None:
    existing, labels, new, truth = case
    result = assigner(existing, labels, new, PARAMS)
    assert result.dtype == np.int64
    assert result[:2].tolist() == [20, 20]
    # Fresh labels start above the highest existing one, by first new face.
    assert result[2:].tolist() == [41, 41, 41, 42]
    assert same_partition(result, truth)


def test_assign_fast_equals_exact_on_random_data() -> None:
    rng = np.random.default_rng(10)
    faces = rng.standard_normal((150, 6)).astype(np.float32)
    params = RANDOM_PARAMS
    labels = cluster_exact(faces[:100], params) * 3 + 7
    new = faces[100:]
    constraints = Constraints(cannot_link=[(0, 120), (130, 140)], must_link=[[5, 110]])
    for given in (None, constraints):
        for frozen in ((), (7, 10)):
            exact = assign_exact(faces[:100], labels, new, params, given, frozen)
            assert np.array_equal(assign(faces[:100], labels, new, params, given, frozen), exact)


def test_assign_never_merges_existing_clusters() -> None:
    faces, people = bridged_people(np.random.default_rng(11))
    ends = people != 2
    labels = np.where(people[ends] == 0, 1, 2)
    result = assign(faces[ends], labels, faces[~ends], PARAMS)
    # Bridge faces join one side or form clusters of their own: existing labels are
    # never merged or renumbered, whatever lies between them.
    assert result[0] == 1 and result[-1] == 2
    assert all(label in (1, 2) or label >= 3 for label in result.tolist())


def test_assign_keeps_new_faces_out_of_frozen_clusters(
    case: tuple[Floats, Labels, Floats, Labels],
) -> None:
    existing, labels, new, _ = case
    result = assign(existing, labels, new, PARAMS, frozen=[20])
    # Person 20's new faces form one fresh cluster (an extension to propose), and do
    # not drift into another cluster.
    assert result[0] == result[1] == 41
    assert result[2:].tolist() == [42, 42, 42, 43]
    # An explicit must-link still puts a new face into the frozen cluster.
    must = Constraints(must_link=[[len(labels), int(np.flatnonzero(labels == 20)[0])]])
    assert assign(existing, labels, new, PARAMS, must, frozen=[20])[0] == 20


def test_assign_respects_cannot_link_to_an_existing_face(
    case: tuple[Floats, Labels, Floats, Labels],
) -> None:
    existing, labels, new, _ = case
    member = int(np.flatnonzero(labels == 20)[0])
    constraints = Constraints(cannot_link=[(len(labels), member)])
    assert assign(existing, labels, new, PARAMS)[0] == 20
    assert assign(existing, labels, new, PARAMS, constraints)[0] != 20


def test_assign_refuses_corrections_that_would_change_existing_clusters(
    case: tuple[Floats, Labels, Floats, Labels],
) -> None:
    existing, labels, new, _ = case
    a, b = int(np.flatnonzero(labels == 10)[0]), int(np.flatnonzero(labels == 30)[0])
    with pytest.raises(ValueError, match="join existing clusters"):
        assign(existing, labels, new, PARAMS, Constraints(must_link=[[a, b]]))
    c = int(np.flatnonzero(labels == 10)[1])
    with pytest.raises(ValueError, match="not the same person"):
        assign(existing, labels, new, PARAMS, Constraints(cannot_link=[(a, c)]))


def test_assign_edge_cases(case: tuple[Floats, Labels, Floats, Labels]) -> None:
    existing, labels, new, _ = case
    assert assign(existing, labels, new[:0], PARAMS).shape == (0,)
    from_nothing = assign(np.empty((0, 0)), np.empty(0, dtype=np.int64), new, PARAMS)
    assert np.array_equal(from_nothing, cluster(new, PARAMS))
    once = assign(existing, labels, new, PARAMS)
    assert np.array_equal(assign(existing.copy(), labels.copy(), new.copy(), PARAMS), once)
    with pytest.raises(ValueError, match="negative"):
        assign(existing, -labels, new, PARAMS)
    with pytest.raises(ValueError, match="shape"):
        assign(existing, labels[1:], new, PARAMS)
    with pytest.raises(ValueError, match="different models"):
        assign(existing, labels, new[:, :-1], PARAMS)
    with pytest.raises(ValueError, match="NaN"):
        assign(existing, labels, np.full_like(new, np.nan), PARAMS)
