"""Accuracy metrics against small cases computed by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from genkend.errors import SettingsError
from genkend.metrics import (
    Calibration,
    CalibrationPoint,
    bcubed_prf,
    best_accuracy,
    calibration_table,
    cmc,
    det_points,
    fnir_at_fpir,
    fnmr_at_fmr,
    mate_ranks,
    pairwise_prf,
    rank_k,
    roc_curve,
    threshold_at_rate,
)

# Identities {0,1,2} {3,4}; clusters {0,1} {2,3,4}.
TRUE = ["a", "a", "a", "b", "b"]
PRED = [7, 7, 9, 9, 9]


# ------------------------------------------------------------------------ clustering


def test_pairwise_hand_computed() -> None:
    # True pairs: 01 02 12 34; predicted pairs: 01 23 24 34; shared: 01 34.
    prf = pairwise_prf(TRUE, PRED)
    assert prf.precision == pytest.approx(2 / 4)
    assert prf.recall == pytest.approx(2 / 4)
    assert prf.f1 == pytest.approx(0.5)


def test_bcubed_hand_computed() -> None:
    # Per item precision: 1, 1, 1/3, 2/3, 2/3; recall: 2/3, 2/3, 1/3, 1, 1.
    prf = bcubed_prf(TRUE, PRED)
    assert prf.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert prf.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert prf.f1 == pytest.approx(11 / 15)


def test_bcubed_amigo_example_merging_loses_precision() -> None:
    # Amigo et al. (2009), "cluster completeness": joining two pure clusters of one
    # identity raises recall and leaves precision at 1.
    true = ["x"] * 4 + ["y"] * 2
    split = bcubed_prf(true, [1, 1, 2, 2, 3, 3])
    joined = bcubed_prf(true, [1, 1, 1, 1, 3, 3])
    assert split.precision == joined.precision == 1.0
    assert split.recall == pytest.approx((0.5 * 4 + 1 * 2) / 6)
    assert joined.recall == 1.0


def test_all_in_one_cluster_and_all_singletons() -> None:
    true = [0, 0, 1, 1]
    one = [5, 5, 5, 5]
    alone = [1, 2, 3, 4]
    assert pairwise_prf(true, one).precision == pytest.approx(2 / 6)
    assert pairwise_prf(true, one).recall == 1.0
    assert bcubed_prf(true, one).precision == pytest.approx(0.5)
    assert bcubed_prf(true, one).recall == 1.0
    # No predicted pair: precision 1 by definition, recall 0.
    assert pairwise_prf(true, alone).precision == 1.0
    assert pairwise_prf(true, alone).recall == 0.0
    assert pairwise_prf(true, alone).f1 == 0.0
    assert bcubed_prf(true, alone).precision == 1.0
    assert bcubed_prf(true, alone).recall == pytest.approx(0.5)


def test_perfect_clustering_whatever_the_label_values() -> None:
    assert pairwise_prf(TRUE, [3, 3, 3, 1, 1]).f1 == 1.0
    assert bcubed_prf(TRUE, ["p", "p", "p", "q", "q"]).f1 == 1.0


def test_noise_label_makes_singletons() -> None:
    true = [0, 0, 1, 1]
    pred = [-1, -1, 4, 4]
    # Without the noise rule the two noise items look like one (correct) cluster.
    assert pairwise_prf(true, pred).recall == 1.0
    assert pairwise_prf(true, pred, noise=-1).recall == pytest.approx(0.5)
    assert bcubed_prf(true, pred).recall == 1.0
    assert bcubed_prf(true, pred, noise=-1).recall == pytest.approx(0.75)


def test_labels_must_align() -> None:
    with pytest.raises(ValueError, match="equal length"):
        pairwise_prf([0, 1], [0])


# ------------------------------------------------------------------ 1:1 verification

GENUINE = [0.1, 0.2, 0.3, 0.5]
IMPOSTOR = [0.4, 0.6, 0.7, 0.8, 0.9]


def test_roc_curve_counts_accepts_at_or_below_threshold() -> None:
    curve = roc_curve(GENUINE, IMPOSTOR)
    assert curve.fmr[0] == 0.0 and curve.fnmr[0] == 1.0
    assert curve.fmr[-1] == 1.0 and curve.fnmr[-1] == 0.0
    at_04 = int(np.flatnonzero(curve.thresholds == 0.4)[0])
    assert curve.fmr[at_04] == pytest.approx(1 / 5)
    assert curve.fnmr[at_04] == pytest.approx(1 / 4)
    assert np.all(np.diff(curve.fmr) >= 0) and np.all(np.diff(curve.fnmr) <= 0)


def test_fnmr_at_fmr_picks_largest_distance_within_target() -> None:
    point = fnmr_at_fmr(GENUINE, IMPOSTOR, 0.2)
    # One impostor (0.4) may pass; the next (0.6) may not; 0.5 is the largest below.
    assert point.threshold == 0.5
    assert point.achieved == pytest.approx(0.2)
    assert point.miss_rate == 0.0
    strict = fnmr_at_fmr(GENUINE, IMPOSTOR, 0.0)
    assert strict.threshold == 0.3
    assert strict.achieved == 0.0
    assert strict.miss_rate == pytest.approx(0.25)


def test_ties_are_never_split() -> None:
    # Two impostors tie at 0.4: a 1-in-4 FMR target cannot accept one without the other.
    point = fnmr_at_fmr([0.1, 0.35, 0.45], [0.4, 0.4, 0.8, 0.9], 0.25)
    assert point.threshold == 0.35
    assert point.achieved == 0.0
    assert point.miss_rate == pytest.approx(1 / 3)


def test_threshold_below_everything_when_nothing_may_pass() -> None:
    threshold = threshold_at_rate([0.2, 0.3], 0.0, [0.5])
    assert threshold < 0.2
    assert threshold == pytest.approx(0.2)


def test_unresolvable_target_is_flagged() -> None:
    assert not fnmr_at_fmr(GENUINE, IMPOSTOR, 1e-3).resolvable
    assert fnmr_at_fmr(GENUINE, IMPOSTOR, 0.2).resolvable


def test_best_accuracy_is_balanced() -> None:
    best = best_accuracy(GENUINE, IMPOSTOR)
    assert best.threshold in (0.3, 0.5)
    assert best.accuracy == pytest.approx(1 - (0.2 + 0.0) / 2)
    # Many more impostors than genuine pairs do not make "reject all" look good.
    flooded = best_accuracy([0.1, 0.9], [0.5] * 1000)
    assert flooded.accuracy == pytest.approx(0.75)


def test_det_points_are_normal_deviates() -> None:
    curve = roc_curve(GENUINE, IMPOSTOR)
    x, y = det_points(curve)
    assert x.shape == curve.fmr.shape
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    half = int(np.flatnonzero(curve.fnmr == 0.5)[0])
    assert y[half] == pytest.approx(0.0, abs=1e-12)


def test_nan_distance_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        roc_curve([0.1, float("nan")], [0.5])


# --------------------------------------------------------------- 1:N identification


def test_mate_ranks_count_ties_against_the_mate() -> None:
    distances = np.array(
        [
            [0.2, 0.5, 0.9],  # mate "a" first
            [0.3, 0.1, 0.3],  # mate "c" at 0.3 ties with "a", behind "b"
            [0.4, 0.4, 0.4],  # identity "z" not in the gallery
        ]
    )
    ranks, mate_distance = mate_ranks(distances, ["a", "c", "z"], ["a", "b", "c"])
    assert ranks.tolist() == [1, 3, 0]
    assert mate_distance[:2].tolist() == [0.2, 0.3]
    assert np.isinf(mate_distance[2])


def test_rank_k_and_cmc() -> None:
    ranks = [1, 1, 2, 5, 0]
    assert rank_k(ranks, 1) == pytest.approx(0.4)
    assert rank_k(ranks, 10) == pytest.approx(0.8)
    assert cmc(ranks, 5).tolist() == pytest.approx([0.4, 0.6, 0.6, 0.6, 0.8])


def test_fnir_at_fpir() -> None:
    mated = [0.1, 0.2, 0.6, np.inf]
    nonmated = [0.3, 0.5, 0.7, 0.8]
    point = fnir_at_fpir(mated, nonmated, 0.25)
    # One non-mated search (0.3) may return a candidate; threshold below 0.5 -> 0.3.
    assert point.threshold == 0.3
    assert point.achieved == pytest.approx(0.25)
    assert point.miss_rate == pytest.approx(0.5)
    ranked = fnir_at_fpir(mated, nonmated, 0.25, mated_ranks=[1, 2, 1, 0], max_rank=1)
    assert ranked.miss_rate == pytest.approx(0.75)


def test_fnir_max_rank_needs_ranks() -> None:
    with pytest.raises(ValueError, match="mated_ranks"):
        fnir_at_fpir([0.1], [0.5], 0.1, max_rank=1)


# ---------------------------------------------------------------------- calibration


def _calibration() -> Calibration:
    return Calibration(
        backend="fake-v1:sha256-0123",
        points=(
            CalibrationPoint(0.3, 0.0, 0.5),
            CalibrationPoint(0.5, 0.01, 0.1),
            CalibrationPoint(0.8, 0.2, 0.0),
        ),
        genuine_comparisons=10,
        impostor_comparisons=1000,
        dataset="synthetic: 4 identities, 12 images",
        seed=7,
        created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )


def test_fmr_at_is_a_step_function_from_above() -> None:
    cal = _calibration()
    assert cal.fmr_at(0.5) == 0.01
    assert cal.fmr_at(0.31) == 0.01
    assert cal.fmr_at(0.51) == 0.2
    assert cal.fmr_at(0.81) == 1.0
    # Zero observed false matches in 1000 comparisons reads as 1/1000, not 0.
    assert cal.fmr_at(0.1) == pytest.approx(1e-3)
    assert cal.max_distance_for(0.01) == 0.5
    assert cal.max_distance_for(-1.0) is None


def test_calibration_json_round_trip() -> None:
    cal = _calibration()
    text = cal.to_json()
    assert json.loads(text)["format"] == "genkend.calibration/1"
    assert Calibration.from_json(text) == cal


def test_calibration_keeps_utc_from_other_zones() -> None:
    moment = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    cal = Calibration(**{**_calibration().__dict__, "created_at": moment})
    back = Calibration.from_json(cal.to_json())
    assert back.created_at == moment
    assert back.created_at.tzinfo is not None


@pytest.mark.parametrize(
    "text", ["not json", '{"format": "other"}', '{"format": "genkend.calibration/1"}']
)
def test_malformed_calibration_is_a_settings_error(text: str) -> None:
    with pytest.raises(SettingsError):
        Calibration.from_json(text)


def test_calibration_refuses_naive_time_and_unsorted_points() -> None:
    fields = _calibration().__dict__
    with pytest.raises(ValueError, match="timezone"):
        Calibration(**{**fields, "created_at": datetime(2024, 5, 1)})
    with pytest.raises(ValueError, match="ascend"):
        Calibration(**{**fields, "points": tuple(reversed(fields["points"]))})


def test_calibration_table_never_underestimates() -> None:
    rng = np.random.default_rng(3)
    genuine = rng.normal(0.4, 0.08, 300)
    impostor = rng.normal(0.9, 0.1, 20_000)
    points = calibration_table(genuine, impostor, steps=50)
    cal = Calibration(
        "b", points, 300, 20_000, "synthetic normal", 3, datetime(2024, 1, 1, tzinfo=UTC)
    )
    imp_sorted = np.sort(impostor)
    for distance in rng.uniform(impostor.min() - 0.1, impostor.max() + 0.1, 500):
        measured = np.searchsorted(imp_sorted, distance, side="right") / impostor.size
        assert cal.fmr_at(float(distance)) >= measured
    # The low-FMR thresholds are tabled exactly.
    at_1e3 = fnmr_at_fmr(genuine, impostor, 1e-3)
    assert cal.fmr_at(at_1e3.threshold) == pytest.approx(at_1e3.achieved)
