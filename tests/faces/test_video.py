"""Faces in videos made by the test with PyAV from the real adult photos of faces-dev (by
path; skipped when absent): sampling, timestamps, tracks, best faces, broken streams."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from genkend.faces.pipeline import FaceOptions, FoundFace
from genkend.faces.tracks import TrackParams, link
from genkend.faces.video import VideoOptions, faces_in_video

FPS = 25
SIZE = (640, 360)


def _photo(face_data: Path, identity: str) -> Image.Image:
    with (face_data / "faces-dev" / "labels.csv").open() as f:
        path = next(r["path"] for r in csv.DictReader(f) if r["identity"] == identity)
    return Image.open(face_data / "faces-dev" / path).convert("RGB")


def _video(out: Path, photos: list[Image.Image], seconds: int = 8, fmt: str | None = None) -> Path:
    """``seconds`` at 25 fps; the photos one after the other, each moved a little per frame."""
    with av.open(str(out), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = FPS
        frames = seconds * FPS
        per = frames // len(photos)
        for i in range(frames):
            canvas = Image.new("RGB", SIZE, (40, 40, 40))
            k = min(i // per, len(photos) - 1)
            j = i - k * per
            canvas.paste(photos[k], (100 + 2 * j, 50 + j // 2))
            for packet in stream.encode(av.VideoFrame.from_image(canvas)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


@pytest.fixture(scope="module")
def two_people(face_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("video") / "ab.mp4"
    return _video(out, [_photo(face_data, "Tony_Blair"), _photo(face_data, "Halle_Berry")])


def _options(**kw: float) -> VideoOptions:
    return VideoOptions(FaceOptions(), **kw)  # type: ignore[arg-type]


def test_two_people_give_two_tracks_with_timestamps_and_best_faces(two_people: Path) -> None:
    before = hashlib.sha256(two_people.read_bytes()).hexdigest()
    found = faces_in_video(two_people, _options(sample_seconds=0.5, faces_per_track=3))
    assert found.error is None
    assert found.duration == pytest.approx(8.0, abs=0.1)
    assert found.keyframes == 8
    assert 14 <= found.frames_sampled <= 18
    assert len(found.tracks) == 2, found.tracks
    first, second = found.tracks
    assert first.start < 1.0 and 3.0 <= first.end < 4.0
    assert 4.0 <= second.start < 4.6 and second.end > 7.0
    assert first.faces_seen >= 6 and second.faces_seen >= 6
    # at most K faces per track are kept, and the best is among them
    for index, track in enumerate(found.tracks):
        kept = [f for f in found.faces if f.track == index]
        assert len(kept) == 3
        best = found.faces[track.best]
        assert best.track == index
        assert best.face.quality == max(f.face.quality for f in kept)
        assert all(track.start <= f.timestamp <= track.end for f in kept)
    # boxes move right with the photo, in full-frame pixels
    a = [f for f in found.faces if f.track == 0]
    assert a[0].face.box[0] < a[-1].face.box[0] < SIZE[0]
    assert hashlib.sha256(two_people.read_bytes()).hexdigest() == before


def test_max_frames_bounds_the_frames_looked_at(two_people: Path) -> None:
    found = faces_in_video(two_people, _options(sample_seconds=0.1, max_frames=5))
    assert found.frames_sampled == 5
    assert len(found.tracks) == 2


def test_a_truncated_video_keeps_the_faces_before_the_break(
    face_data: Path, tmp_path: Path
) -> None:
    whole = _video(tmp_path / "a.mkv", [_photo(face_data, "Tony_Blair")], seconds=6, fmt="matroska")
    cut = tmp_path / "cut.mkv"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    found = faces_in_video(cut, _options(sample_seconds=0.5))
    assert found.faces, found
    assert max(f.timestamp for f in found.faces) < 5.0
    assert found.duration is not None and found.duration < 5.0


def test_not_a_video_is_an_error_not_an_exception(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    found = faces_in_video(junk, _options())
    assert found.error is not None and found.faces == ()


def _face(x: int, vector: list[float], quality: float = 0.5) -> FoundFace:
    return FoundFace(
        box=(x, 0, x + 100, 100),
        landmarks=(),
        score=1.0,
        quality=quality,
        quality_detail={},
        embedding=np.asarray(vector, dtype=np.float32).tobytes(),
        thumbnail=b"",
    )


def test_tracks_split_on_distance_on_jumps_and_on_gaps() -> None:
    params = TrackParams(max_distance=0.4, max_shift=1.5, max_gap=3.0)
    a, b = [1.0, 0.0], [0.0, 1.0]
    frames = [
        (0.0, [_face(0, a, 0.3), _face(400, b)]),
        (1.0, [_face(20, a, 0.9), _face(420, b)]),  # both continue
        (2.0, [_face(900, a)]),  # same embedding, jumped 9 widths: a new track
        (9.0, [_face(40, a)]),  # after the gap: a new track
    ]
    tracks = link(frames, params)
    assert [len(t.sightings) for t in tracks] == [2, 2, 1, 1]
    assert tracks[0].best.face.quality == 0.9
    assert [s.timestamp for s in tracks[0].kept(1)] == [1.0]


def test_an_ingested_video_stores_tracks_with_timestamped_faces(
    cli: object, two_people: Path, tmp_path: Path
) -> None:
    from typing import Any

    run: Any = cli
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "ab.mp4").write_bytes(two_people.read_bytes())
    assert run("case", "create", "V1", "--title", "video").code == 0
    result = run("ingest", str(evidence), "--case", "V1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    assert 2 <= result.json()[0]["faces"] <= 8
