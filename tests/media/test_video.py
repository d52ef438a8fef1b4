"""media.video on videos PyAV writes here: facts, sampling, and every kind of bad input.

Each bad video is a ``MediaError`` with a clear message (or a note), and the file read
is unchanged afterwards (its sha256 before and after).
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import av
import numpy as np
import pytest
from tests.videos import write_video

from genkend.errors import DecodeError, UnsupportedMedia
from genkend.media import sniff
from genkend.media.video import SampledFrame, decode_video, probe


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("v") / "clip.mp4", seconds=4.0, fps=25)


def test_probe_measures_the_stream(clip: Path) -> None:
    facts = probe(clip)
    assert (facts.codec, facts.width, facts.height) == ("h264", 320, 240)
    assert facts.fps == 25.0
    assert facts.frames == 100
    assert facts.duration == pytest.approx(4.0, abs=0.05)
    assert facts.declared_duration == pytest.approx(4.0, abs=0.05)
    assert facts.notes == ()


def test_sampling_is_one_frame_per_period_from_a_stream(clip: Path) -> None:
    got: list[SampledFrame] = []
    with clip.open("rb") as stream:
        decode_video(stream, every=1.0, max_side=160, on_frame=got.append)
        assert not stream.closed
    assert [f.timestamp for f in got] == pytest.approx([0.0, 1.0, 2.0, 3.0])
    assert [f.index for f in got] == [0, 25, 50, 75]
    assert all(f.image.size == (160, 120) and f.image.mode == "RGB" for f in got)


def test_mpeg4_in_matroska_is_read_too(tmp_path: Path) -> None:
    path = write_video(tmp_path / "c.mkv", codec="mpeg4", fps=10, seconds=2.0)
    assert sniff(path.read_bytes()[:64]).kind == "video"
    facts = probe(path)
    assert facts.codec == "mpeg4"
    assert facts.frames == 20


def test_a_container_that_lies_about_its_duration_gets_a_note(clip: Path, tmp_path: Path) -> None:
    data = bytearray(clip.read_bytes())
    at = data.find(b"mdhd") + 20  # version 0: flags, created, modified, timescale, duration
    (declared,) = struct.unpack(">I", data[at : at + 4])
    data[at : at + 4] = struct.pack(">I", declared // 4)
    liar = tmp_path / "liar.mp4"
    liar.write_bytes(bytes(data))
    before = _sha(liar)
    facts = probe(liar)
    assert facts.declared_duration == pytest.approx(1.0, abs=0.1)
    assert facts.duration == pytest.approx(4.0, abs=0.05)
    assert any("declares 1.0s but the frames last 4.0s" in n for n in facts.notes)
    assert _sha(liar) == before


def test_a_truncated_video_is_a_decode_error(clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    before = _sha(cut)
    with pytest.raises(DecodeError, match="does not open"):
        probe(cut)
    assert _sha(cut) == before


def test_random_bytes_behind_an_mp4_header_are_a_decode_error(clip: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(clip.read_bytes()[:32] + os.urandom(40_000))
    assert sniff(fake.read_bytes()[:64]).kind == "video"
    with pytest.raises(DecodeError):
        probe(fake)


def test_a_container_without_a_video_stream_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "sound.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 8000), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = 8000, 0
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    assert sniff(path.read_bytes()[:64]).kind == "video"
    with pytest.raises(UnsupportedMedia, match="no video stream"):
        probe(path)


def test_every_must_be_positive(clip: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        decode_video(clip, every=0, on_frame=lambda f: None)
