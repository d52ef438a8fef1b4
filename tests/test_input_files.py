"""Files a user names: probes, images to enrol, evaluation photos.

A fifo must not hang a command, a device must not fill memory, and a file above the
image read limit is refused before it is read; each gives a clear error (or, where
one file of many fails, a recorded failure) and the rest goes on.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.evaluate.enrolment import _enrol_one
from genkend.faces.fake import FakeFaceBackend
from genkend.hashes.analysis import IMAGE_READ_LIMIT
from genkend.media.named_files import read_whole

FAKE = FakeFaceBackend()
SEARCH = ("search", "face", "--case", "P1", "--purpose", "link", "--legal-basis", "case law")


def photo(path: Path, name: str = "alice") -> Path:
    pixels = FAKE.canvas(300, 200, [(name, 20, 20, 100)], background=(200, 200, 190))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def oversized(path: Path) -> Path:
    """A sparse file one byte above the image read limit: no disk space, no reading."""
    with path.open("wb") as out:
        out.truncate(IMAGE_READ_LIMIT + 1)
    return path


@contextmanager
def fifo_that_cannot_hang(path: Path) -> Iterator[Path]:
    """A fifo, opened for writing after 10 s so that a reader blocked on it wakes up."""
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        if not done.wait(10):
            # A reader waits in open(); opening the other end lets it go on (and fail
            # the test), so a regression cannot hang the test run. With no reader
            # waiting, the open fails (ENXIO) and there is nothing to wake.
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    watchdog = threading.Thread(target=unblock)
    watchdog.start()
    try:
        yield path
    finally:
        done.set()
        watchdog.join()


@pytest.fixture
def case(cli: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    assert cli("case", "create", "P1", "--title", "probes").code == 0
    return "P1"


def test_a_device_as_probe_is_a_clear_error(cli: Any, case: str) -> None:
    result = cli(*SEARCH, "--image", "/dev/zero")
    assert result.code == 2
    assert result.err.strip() == (
        "genkend: error: cannot read probe /dev/zero: not a regular file (a character device)"
    )


def test_a_fifo_as_probe_is_refused_without_hanging(cli: Any, case: str, tmp_path: Path) -> None:
    with fifo_that_cannot_hang(tmp_path / "probe.png") as fifo:
        result = cli(*SEARCH, "--image", str(fifo))
    assert result.code == 2
    assert "not a regular file (a fifo)" in result.err


def test_a_probe_above_the_image_read_limit_is_refused_unread(
    cli: Any, case: str, tmp_path: Path
) -> None:
    probe = oversized(tmp_path / "huge.png")
    tracemalloc.start()
    try:
        result = cli(*SEARCH, "--image", str(probe))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code == 2
    assert f"larger than {IMAGE_READ_LIMIT} bytes" in result.err
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_enrolment_records_an_unreadable_image_and_enrols_the_rest(
    cli: Any, case: str, tmp_path: Path
) -> None:
    good = photo(tmp_path / "alice.png")
    huge = oversized(tmp_path / "huge.png")
    with fifo_that_cannot_hang(tmp_path / "fifo.png") as fifo:
        result = cli(
            "gallery", "enroll", "--identity", "A", "/dev/zero", str(fifo), str(huge), str(good),
            "--json",
        )  # fmt: skip
    (enrolment,) = result.json()
    assert enrolment["enrolled"] == [str(good)]
    assert enrolment["failed"] == {
        "/dev/zero": "not a regular file (a character device)",
        str(fifo): "not a regular file (a fifo)",
        str(huge): f"larger than {IMAGE_READ_LIMIT} bytes",
    }


def test_an_evaluation_photo_above_the_limit_is_an_error_not_a_read(tmp_path: Path) -> None:
    outcome = _enrol_one(FAKE, oversized(tmp_path / "huge.png"), 512, 10**8)
    assert outcome.error == f"cannot read: larger than {IMAGE_READ_LIMIT} bytes"
    assert _enrol_one(FAKE, photo(tmp_path / "ok.png"), 512, 10**8).faces == 1


def test_read_whole_reads_up_to_the_limit_and_refuses_more(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_whole(path, 5) == b"12345"
    with pytest.raises(OSError, match="larger than 4 bytes") as raised:
        read_whole(path, 4)
    assert raised.value.filename == str(path)
    with pytest.raises(OSError, match=r"not a regular file \(a folder\)"):
        read_whole(tmp_path, 5)
    with pytest.raises(FileNotFoundError):
        read_whole(tmp_path / "missing", 5)
