"""Measure an enrolment: 1:1, 1:N and clustering accuracy, and the backend's calibration.

``evaluate`` applies the protocol (``evaluate.protocol``) to an ``Enrolment`` and the
metrics (``genkend.metrics``) to the distances, and states data, protocol and seed in the
result. ``calibration`` turns the same 1:1 comparisons into the distance -> FMR table
quoted by search results.

Invariant: a result depends only on the enrolment, the seed, the impostor cap and the
clustering function; nothing is read from files here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import metadata

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from genkend import clock
from genkend.cluster import ClusterParams, cluster
from genkend.evaluate.enrolment import FACE_CHOICE, Enrolment
from genkend.evaluate.protocol import (
    DEFAULT_IMPOSTOR_CAP,
    Comparisons,
    Searches,
    comparisons,
    distance_matrix,
    searches,
)
from genkend.evaluate.result import (
    ClusteringScores,
    DataSummary,
    EvaluationResult,
    Histogram,
    Identification,
    Protocol,
    RankRate,
    Verification,
)
from genkend.metrics import (
    Calibration,
    OperatingPoint,
    bcubed_prf,
    best_accuracy,
    calibration_table,
    cmc,
    fnir_at_fpir,
    fnmr_at_fmr,
    mate_ranks,
    pairwise_prf,
    rank_k,
)

log = logging.getLogger(__name__)

ClusterFn = Callable[[NDArray[np.float32]], npt.ArrayLike]

FMR_TARGETS = (1e-2, 1e-3, 1e-4)
FPIR_TARGETS = (1e-2, 3e-3)
RANKS = (1, 10)
CMC_MAX_RANK = 20
HISTOGRAM_BINS = 60


def evaluate(
    enrolment: Enrolment,
    seed: int,
    cluster_fn: ClusterFn | None = None,
    *,
    impostor_cap: int = DEFAULT_IMPOSTOR_CAP,
    clustering: bool = True,
) -> EvaluationResult:
    """Every accuracy number of the enrolment under the protocol, drawn with ``seed``.

    ``cluster_fn(embeddings) -> labels`` clusters all enrolled embeddings at once; by
    default ``genkend.cluster.cluster`` with its default parameters.
    ``clustering=False`` skips clustering.
    """
    rng = np.random.default_rng(seed)
    rows, labels = enrolment.embeddings, enrolment.labels
    pairs = comparisons(rows, labels, rng, impostor_cap)
    drawn = searches(labels, rng)
    notes: list[str] = []
    method, labels_of = _clustering(cluster_fn, clustering, notes)
    return EvaluationResult(
        backend=enrolment.backend,
        created_at=clock.utc_now(),
        genkend_version=_version(),
        data=_data_summary(enrolment),
        protocol=_protocol(enrolment, seed, impostor_cap, pairs, drawn, method),
        verification=_verification(pairs, notes),
        identification=_identification(rows, labels, drawn, notes),
        clustering=_clustering_scores(rows, labels, method, labels_of),
        notes=tuple(notes),
    )


def calibration(
    enrolment: Enrolment, seed: int = 0, *, impostor_cap: int = DEFAULT_IMPOSTOR_CAP
) -> Calibration:
    """The distance -> FMR/FNMR table of the enrolment's backend, from its 1:1 comparisons.

    With the same ``seed`` and ``impostor_cap`` the comparisons are those of ``evaluate``,
    so the table and the evaluation's 1:1 numbers agree.
    """
    pairs = comparisons(
        enrolment.embeddings, enrolment.labels, np.random.default_rng(seed), impostor_cap
    )
    if pairs.genuine.size == 0 or pairs.impostor.size == 0:
        raise ValueError("calibration needs genuine and impostor comparisons")
    summary = _data_summary(enrolment)
    dataset = (
        f"{summary.source}: {summary.photos} photos of {summary.identities} identities, "
        f"{summary.enrolled} enrolled (max side {enrolment.max_side} px)"
    )
    return Calibration(
        backend=enrolment.backend,
        points=calibration_table(pairs.genuine, pairs.impostor),
        genuine_comparisons=int(pairs.genuine.size),
        impostor_comparisons=int(pairs.impostor.size),
        dataset=dataset,
        seed=seed,
        created_at=clock.utc_now(),
    )


def _data_summary(enrolment: Enrolment) -> DataSummary:
    photos = enrolment.photos
    unreadable = sum(photo.error is not None for photo in photos)
    failed = sum(not photo.enrolled and photo.error is None for photo in photos)
    readable = len(photos) - unreadable
    return DataSummary(
        source=enrolment.source,
        photos=len(photos),
        identities=len({photo.identity for photo in photos}),
        enrolled=len(photos) - unreadable - failed,
        enrolled_identities=len({photo.identity for photo in enrolment.enrolled}),
        failed_to_enrol=failed,
        unreadable=unreadable,
        failure_to_enrol_rate=failed / readable if readable else 0.0,
        several_faces=sum(photo.faces > 1 for photo in photos),
        not_enrolled=tuple(
            (photo.name, photo.error or "no face found") for photo in photos if not photo.enrolled
        ),
    )


def _protocol(
    enrolment: Enrolment,
    seed: int,
    cap: int,
    pairs: Comparisons,
    drawn: Searches,
    method: str | None,
) -> Protocol:
    sampled = (
        f"{pairs.impostor.size} of {pairs.impostor_possible} drawn uniformly without replacement"
        if pairs.sampled
        else "all of them"
    )
    description = (
        f"Photos decoded at most {enrolment.max_side} px a side; one face per photo, "
        f"{FACE_CHOICE}; photos without a face are failures to enrol and take no further "
        f"part. 1:1: every genuine pair of enrolled photos and impostor pairs ({sampled}); "
        "a pair matches when its Euclidean distance is <= the threshold, and each target "
        "FMR takes the largest threshold whose FMR does not exceed it. 1:N: a gallery of "
        "one photo (drawn) per identity with 2+ enrolled photos; mated probes are those "
        "identities' other photos, non-mated probes the photos of identities with one "
        "enrolled photo; a mate's rank counts the non-mates at a distance <= its own; "
        "FNIR at FPIR counts mated searches whose mate lies beyond the threshold at which "
        "at most that share of non-mated searches return a candidate. Clustering: all "
        f"enrolled photos at once, by {method or 'no method (not measured)'}. "
        f"Random draws: numpy default_rng({seed})."
    )
    return Protocol(
        description=description,
        seed=seed,
        max_side=enrolment.max_side,
        face_choice=FACE_CHOICE,
        impostor_cap=cap,
        genuine_pairs=int(pairs.genuine.size),
        impostor_pairs=int(pairs.impostor.size),
        impostor_pairs_possible=pairs.impostor_possible,
        gallery=int(drawn.gallery.size),
        mated_probes=int(drawn.mated.size),
        nonmated_probes=int(drawn.nonmated.size),
        clustering_method=method,
    )


def _verification(pairs: Comparisons, notes: list[str]) -> Verification | None:
    if pairs.genuine.size == 0 or pairs.impostor.size == 0:
        notes.append("1:1 not measured: it needs genuine and impostor pairs")
        return None
    at_fmr = tuple(fnmr_at_fmr(pairs.genuine, pairs.impostor, fmr) for fmr in FMR_TARGETS)
    for point in at_fmr:
        if not point.resolvable:
            notes.append(
                f"FMR {point.target:g} is below what {point.negatives} impostor pairs "
                "can resolve; its FNMR is for zero observed false matches"
            )
    low, high = _histogram_range(pairs.genuine, pairs.impostor)
    return Verification(
        at_fmr=at_fmr,
        accuracy=best_accuracy(pairs.genuine, pairs.impostor),
        curve=calibration_table(pairs.genuine, pairs.impostor),
        genuine_histogram=_histogram(pairs.genuine, low, high),
        impostor_histogram=_histogram(pairs.impostor, low, high),
    )


def _identification(
    rows: NDArray[np.float32],
    labels: NDArray[np.str_],
    drawn: Searches,
    notes: list[str],
) -> Identification | None:
    if drawn.mated.size == 0:
        notes.append("1:N not measured: no identity has two enrolled photos")
        return None
    gallery_rows, gallery_labels = rows[drawn.gallery], labels[drawn.gallery]
    ranks, mate_distances = mate_ranks(
        distance_matrix(rows[drawn.mated], gallery_rows), labels[drawn.mated], gallery_labels
    )
    at_fpir: tuple[OperatingPoint, ...] = ()
    if drawn.nonmated.size:
        nonmated_best = distance_matrix(rows[drawn.nonmated], gallery_rows).min(axis=1)
        at_fpir = tuple(fnir_at_fpir(mate_distances, nonmated_best, t) for t in FPIR_TARGETS)
    else:
        notes.append("FNIR at FPIR not measured: no identity has a single enrolled photo")
    return Identification(
        ranks=tuple(RankRate(k, rank_k(ranks, k)) for k in RANKS),
        cmc=tuple(float(v) for v in cmc(ranks, min(CMC_MAX_RANK, int(drawn.gallery.size)))),
        at_fpir=at_fpir,
    )


def _clustering(
    cluster_fn: ClusterFn | None, enabled: bool, notes: list[str]
) -> tuple[str | None, ClusterFn | None]:
    if not enabled:
        notes.append("clustering not measured: switched off")
        return None, None
    if cluster_fn is not None:
        name = getattr(cluster_fn, "__qualname__", None) or repr(cluster_fn)
        return f"{getattr(cluster_fn, '__module__', '')}.{name}".lstrip("."), cluster_fn
    return _default_cluster_fn()


def _default_cluster_fn() -> tuple[str, ClusterFn]:
    params = ClusterParams()

    def run(embeddings: NDArray[np.float32]) -> npt.ArrayLike:
        return cluster(embeddings, params)

    return f"genkend.cluster.cluster with {params}", run


def _clustering_scores(
    rows: NDArray[np.float32],
    labels: NDArray[np.str_],
    method: str | None,
    labels_of: ClusterFn | None,
) -> ClusteringScores | None:
    if method is None or labels_of is None or rows.shape[0] == 0:
        return None
    predicted = np.asarray(labels_of(rows))
    if predicted.shape != labels.shape:
        raise ValueError(f"clustering gave {predicted.shape} labels for {labels.shape} faces")
    return ClusteringScores(
        method=method,
        clusters=int(np.unique(predicted).size),
        pairwise=pairwise_prf(labels, predicted),
        bcubed=bcubed_prf(labels, predicted),
    )


def _histogram_range(*samples: NDArray[np.float64]) -> tuple[float, float]:
    values = np.concatenate(samples)
    return float(values.min()), float(values.max())


def _histogram(values: NDArray[np.float64], low: float, high: float) -> Histogram:
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, max(high, low + 1e-9)))
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts))


def _version() -> str:
    try:
        return metadata.version("genkend")
    except metadata.PackageNotFoundError:
        return "unknown"
