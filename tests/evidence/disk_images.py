"""Disk images for the tests, built with real tools: mkfs.vfat + mtools, split, ewfacquire.

The FAT image holds a small JPEG and 3 MB of random bytes (which deflate cannot shrink, so
that an EWF set with 1 MiB segments has several segments). Nothing is ever mounted.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

TOOLS = ("mkfs.vfat", "mcopy", "mmd", "ewfacquire", "split")


def need_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-deps.sh installs them)")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fat_image(folder: Path, name: str = "raw.img") -> Path:
    """An 8 MiB FAT image holding ``DCIM/red.jpg`` and ``noise.bin``."""
    need_tools()
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / name
    with open(image, "wb") as stream:
        stream.truncate(8 << 20)
    subprocess.run(["mkfs.vfat", "-n", "TESTDISK", str(image)], check=True, capture_output=True)
    picture = folder / "red.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    picture.write_bytes(buf.getvalue())
    noise = folder / "noise.bin"
    noise.write_bytes(os.urandom(3_000_000))
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    run = {"check": True, "capture_output": True, "env": env}
    subprocess.run(["mmd", "-i", str(image), "::/DCIM"], **run)  # type: ignore[call-overload]
    subprocess.run(["mcopy", "-i", str(image), str(picture), "::/DCIM/red.jpg"], **run)  # type: ignore[call-overload]
    subprocess.run(["mcopy", "-i", str(image), str(noise), "::/noise.bin"], **run)  # type: ignore[call-overload]
    picture.unlink()
    noise.unlink()
    return image


def ewf_image(raw: Path, target: Path, segment_size: int = 1 << 20) -> Path:
    """``raw`` acquired into an EnCase 6 segment set ``target.E01``...; the .E01."""
    need_tools()
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "ewfacquire", "-u", "-q", "-t", str(target), "-f", "encase6",
        "-c", "deflate:fast", "-S", str(segment_size), "-d", "sha1",
        "-C", "CASE-12", "-e", "Examiner A", "-E", "EV-1", "-D", "test disk",
        "-N", "built by the tests", str(raw),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return target.with_name(target.name + ".E01")


def split_image(raw: Path, folder: Path, piece: int = 3 << 20) -> Path:
    """``raw`` cut by ``split`` into ``disk.001``, ``disk.002``...; the .001."""
    need_tools()
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["split", "-b", str(piece), "-d", "-a", "3", "--numeric-suffixes=1", str(raw),
         str(folder / "disk.")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return folder / "disk.001"
