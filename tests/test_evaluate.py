"""The evaluation path, end to end, with the fake face backend on synthetic photos.

Eight fake identities: p0-p4 with three photos each (gallery and mated probes), p5-p7
with one (non-mated probes). p0 also has a photo without a face (a failure to enrol)
and p1 a broken JPEG (unreadable). The fake's noise keeps two photos of one identity
about 0.28 apart and two identities about 1.41 apart, so every number is known.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genkend.errors import UsageError
from genkend.evaluate import (
    BackendSpec,
    Enrolment,
    EvaluationResult,
    LabelledImage,
    calibration,
    choose_face,
    embed_folder,
    evaluate,
    load_folder,
)
from genkend.evaluate.protocol import _pair_of, comparisons, searches
from genkend.faces import open_backend
from genkend.faces.fake import FakeFaceBackend
from genkend.metrics import Calibration

IDENTITIES = {f"p{i}": (20 + 25 * i, 200 - 15 * i, (60 * i) % 256) for i in range(8)}
SPEC = BackendSpec("fake", {"identities": IDENTITIES, "noise": 0.05})
PHOTOS_PER_IDENTITY = {name: 3 if i < 5 else 1 for i, name in enumerate(IDENTITIES)}


def _paint_folder(root: Path) -> Path:
    fake = SPEC.open()
    assert isinstance(fake, FakeFaceBackend)
    rng = np.random.default_rng(1)
    for name, count in PHOTOS_PER_IDENTITY.items():
        folder = root / name
        folder.mkdir(parents=True)
        for k in range(count):
            x, y, size = (int(v) for v in (*rng.integers(0, 60, 2), rng.integers(40, 60)))
            image = fake.canvas(128, 128, [(name, x, y, size)])
            Image.fromarray(image).save(folder / f"{k}.png")
    Image.fromarray(fake.canvas(128, 128)).save(root / "p0" / "noface.png")
    (root / "p1" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (root / "p1" / ".hidden.png").write_bytes(b"ignored")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _paint_folder(tmp_path_factory.mktemp("labelled"))


@pytest.fixture(scope="module")
def enrolment(folder: Path) -> Enrolment:
    return embed_folder(SPEC, load_folder(folder), workers=0, max_side=256)


@pytest.fixture(scope="module")
def result(enrolment: Enrolment) -> EvaluationResult:
    truth = {photo.name: photo.identity for photo in enrolment.enrolled}
    names = [photo.name for photo in enrolment.enrolled]

    def perfect(embeddings: np.ndarray) -> list[str]:
        assert embeddings.shape[0] == len(names)
        return [truth[name] for name in names]

    return evaluate(enrolment, seed=5, cluster_fn=perfect)


# --------------------------------------------------------------------------- folders


def test_load_folder_from_subfolders(folder: Path) -> None:
    images = load_folder(folder)
    assert len(images) == 19 + 1  # 17 faces, no-face photo, broken file; hidden skipped
    assert [i.name for i in images] == sorted(i.name for i in images)
    assert {i.identity for i in images} == set(IDENTITIES)
    assert all(i.path == folder / i.name for i in images)


def test_load_folder_prefers_labels_csv(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "labels.csv").write_text("path,identity,source\nx/b.jpg,bob,web\na.jpg,al,\n")
    images = load_folder(tmp_path)
    assert images == [
        LabelledImage(tmp_path / "a.jpg", "a.jpg", "al"),
        LabelledImage(tmp_path / "x" / "b.jpg", "x/b.jpg", "bob"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,who\na.jpg,al\n", "columns"),
        ("path,identity\n../a.jpg,al\n", "outside"),
        ("path,identity\n/etc/a.jpg,al\n", "outside"),
        ("path,identity\na.jpg,\n", "empty"),
        ("path,identity\n", "no labelled photos"),
    ],
)
def test_bad_labels_csv_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "labels.csv").write_text(text)
    with pytest.raises(UsageError, match=message):
        load_folder(tmp_path)


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        load_folder(tmp_path / "absent")


# ------------------------------------------------------------------------- enrolment


def test_enrolment_records_every_photo(enrolment: Enrolment) -> None:
    assert len(enrolment.photos) == 20
    by_name = {photo.name: photo for photo in enrolment.photos}
    assert not by_name["p0/noface.png"].enrolled
    assert by_name["p0/noface.png"].error is None
    assert by_name["p0/noface.png"].faces == 0
    assert not by_name["p1/broken.jpg"].enrolled
    assert by_name["p1/broken.jpg"].error
    assert enrolment.embeddings.shape == (18, 16)
    assert enrolment.labels.tolist() == [p.identity for p in enrolment.photos if p.enrolled]
    assert enrolment.backend == SPEC.open().name


def test_worker_processes_give_the_same_enrolment(folder: Path, enrolment: Enrolment) -> None:
    calls: list[tuple[int, int]] = []
    in_workers = embed_folder(
        SPEC, load_folder(folder), workers=1, max_side=256, progress=lambda *c: calls.append(c)
    )
    assert calls == [(done, 20) for done in range(1, 21)]
    assert in_workers.photos == enrolment.photos
    np.testing.assert_array_equal(in_workers.embeddings, enrolment.embeddings)


def test_built_backend_runs_in_process_only(folder: Path) -> None:
    with pytest.raises(UsageError, match="BackendSpec"):
        embed_folder(SPEC.open(), load_folder(folder), workers=2)


def test_choose_face_takes_the_most_central() -> None:
    fake = FakeFaceBackend()
    image = fake.canvas(200, 100, [("alice", 0, 0, 60), ("bob", 85, 30, 30)])
    faces = fake.detect(image)
    assert faces[0].box[0] == 0  # the larger face is first
    assert fake.identity_of(image, choose_face(faces, 200, 100)) == "bob"


def test_enrolment_save_and_load(enrolment: Enrolment, tmp_path: Path) -> None:
    path = tmp_path / "enrolment.npz"
    enrolment.save(path)
    back = Enrolment.load(path)
    assert back.photos == enrolment.photos
    assert (back.backend, back.source, back.max_side) == (
        enrolment.backend,
        enrolment.source,
        enrolment.max_side,
    )
    np.testing.assert_array_equal(back.embeddings, enrolment.embeddings)
    with pytest.raises(UsageError):
        Enrolment.load(tmp_path / "absent.npz")


# ------------------------------------------------------------------------ evaluation


def test_data_summary_counts_failures(result: EvaluationResult) -> None:
    data = result.data
    assert (data.photos, data.identities, data.enrolled) == (20, 8, 18)
    assert (data.failed_to_enrol, data.unreadable) == (1, 1)
    assert data.failure_to_enrol_rate == pytest.approx(1 / 19)
    assert dict(data.not_enrolled)["p0/noface.png"] == "no face found"
    assert "p1/broken.jpg" in dict(data.not_enrolled)


def test_protocol_counts(result: EvaluationResult) -> None:
    protocol = result.protocol
    assert protocol.genuine_pairs == 5 * 3
    assert protocol.impostor_pairs == protocol.impostor_pairs_possible == 18 * 17 // 2 - 15
    assert (protocol.gallery, protocol.mated_probes, protocol.nonmated_probes) == (5, 10, 3)
    assert protocol.seed == 5
    assert "default_rng(5)" in protocol.description


def test_separated_identities_give_perfect_numbers(result: EvaluationResult) -> None:
    assert result.verification is not None
    assert [p.target for p in result.verification.at_fmr] == [1e-2, 1e-3, 1e-4]
    assert all(p.miss_rate == 0.0 for p in result.verification.at_fmr)
    assert [p.achieved for p in result.verification.at_fmr] == [1 / 138, 0.0, 0.0]
    assert result.verification.accuracy.accuracy == 1.0
    assert sum(result.verification.genuine_histogram.counts) == 15
    assert result.identification is not None
    assert [(r.rank, r.rate) for r in result.identification.ranks] == [(1, 1.0), (10, 1.0)]
    assert len(result.identification.cmc) == 5
    assert [p.target for p in result.identification.at_fpir] == [1e-2, 3e-3]
    assert all(p.miss_rate == 0.0 for p in result.identification.at_fpir)
    assert result.clustering is not None
    assert result.clustering.pairwise.f1 == result.clustering.bcubed.f1 == 1.0
    assert result.clustering.clusters == 8
    assert any("resolve" in note for note in result.notes)


def test_default_clustering_is_genkend_cluster(enrolment: Enrolment) -> None:
    result = evaluate(enrolment, seed=5)
    assert result.clustering is not None
    assert result.clustering.method.startswith("genkend.cluster.cluster")
    # Photos of one identity lie about 0.28 apart, identities 1.41: clustering is exact.
    assert result.clustering.bcubed.f1 == 1.0
    assert evaluate(enrolment, seed=5, clustering=False).clustering is None


def test_noisy_identities_score_below_perfect(folder: Path) -> None:
    noisy = BackendSpec("fake", {"identities": IDENTITIES, "noise": 0.4})
    result = evaluate(embed_folder(noisy, load_folder(folder)), seed=1, clustering=False)
    assert result.verification is not None
    assert result.verification.accuracy.accuracy < 1.0
    assert result.verification.at_fmr[0].miss_rate > 0.0


def test_result_is_strict_json(result: EvaluationResult) -> None:
    data = json.loads(result.to_json())
    assert data["format"] == "genkend.evaluation/1"
    assert data["backend"] == result.backend
    assert data["created_at"].endswith("Z")
    assert data["protocol"]["seed"] == 5
    assert data["data"]["failed_to_enrol"] == 1
    assert data["verification"]["at_fmr"][0]["target"] == 0.01
    assert data["identification"]["ranks"][0] == {"rank": 1, "rate": 1.0}


def test_impostor_pairs_are_drawn_with_the_seed(enrolment: Enrolment) -> None:
    first = evaluate(enrolment, seed=3, impostor_cap=40, clustering=False)
    again = evaluate(enrolment, seed=3, impostor_cap=40, clustering=False)
    assert first.protocol.impostor_pairs == 40
    assert first.protocol.impostor_pairs_possible == 138
    assert "drawn uniformly" in first.protocol.description
    assert first.verification == again.verification


def test_calibration_of_the_enrolment(enrolment: Enrolment) -> None:
    cal = calibration(enrolment, seed=2)
    assert cal.backend == enrolment.backend
    assert (cal.genuine_comparisons, cal.impostor_comparisons) == (15, 138)
    assert "20 photos of 8 identities" in cal.dataset
    # Genuine pairs lie near 0.28, impostors near 1.41.
    assert cal.fmr_at(0.5) == pytest.approx(1 / 138)
    assert cal.fmr_at(2.5) == 1.0
    assert Calibration.from_json(cal.to_json()) == cal


# -------------------------------------------------------------------------- protocol


def test_pair_numbers_follow_the_upper_triangle() -> None:
    n = 7
    i, j = np.triu_indices(n, k=1)
    got_i, got_j = _pair_of(np.arange(i.size, dtype=np.int64), n)
    assert got_i.tolist() == i.tolist()
    assert got_j.tolist() == j.tolist()


def test_sampled_impostors_are_distinct_and_impostor() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(30), 4).astype(str)
    rows = np.eye(120, dtype=np.float32)
    pairs = comparisons(rows, labels, rng, impostor_cap=500)
    assert pairs.genuine.size == 30 * 6
    assert pairs.impostor.size == 500 and pairs.sampled
    # Distinct unit vectors: every pair is sqrt(2) apart; the draw is of distinct pairs.
    assert np.allclose(pairs.impostor, np.sqrt(2))


def test_searches_split_gallery_and_probes() -> None:
    labels = np.array(["a", "a", "b", "c", "c", "c"])
    drawn = searches(labels, np.random.default_rng(0))
    assert sorted(labels[drawn.gallery].tolist()) == ["a", "c"]
    assert drawn.nonmated.tolist() == [2]
    assert sorted([*drawn.gallery.tolist(), *drawn.mated.tolist()]) == [0, 1, 3, 4, 5]


# ------------------------------------------------------------------- real dlib faces


@pytest.mark.faces
def test_dlib_on_a_faces_dev_sample(shared_data: Path) -> None:
    folder = shared_data / "faces-dev"
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"faces-dev not found in {shared_data}")
    by_identity: dict[str, list[LabelledImage]] = {}
    for image in load_folder(folder):
        by_identity.setdefault(image.identity, []).append(image)
    several = [photos[:3] for photos in by_identity.values() if len(photos) >= 3][:8]
    single = [photos for photos in by_identity.values() if len(photos) == 1][:4]
    sample = [image for photos in several + single for image in photos]
    backend = open_backend("dlib", upsample=1)
    enrolment = embed_folder(backend, sample, max_side=1024)
    result = evaluate(enrolment, seed=0, clustering=False)
    assert result.backend.startswith("dlib-resnet-v1:hog:sha256-")
    assert result.data.failure_to_enrol_rate <= 0.15
    assert result.identification is not None
    assert result.identification.ranks[0].rate >= 0.8
    assert result.verification is not None
    assert result.verification.accuracy.accuracy >= 0.9
    assert 0.3 < result.verification.accuracy.threshold < 0.8
