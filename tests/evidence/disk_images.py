"""Small disk images for the evidence tests, built with real tools (mkfs, mtools, sfdisk,
debugfs, split, ewfacquire) and never mounted.

``fat_image``, ``ext4_image`` and ``mbr_image`` hold a picture, a deleted picture and a zip
holding a picture; ``Built`` names their original bytes so tests can compare what the
source reads back. ``noisy_fat_image`` holds a small JPEG and 3 MB of random bytes (which
deflate cannot shrink, so that an EWF set with 1 MiB segments has several segments), for
``ewf_image`` and ``split_image``.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image


@dataclass(frozen=True)
class Built:
    image: Path
    picture: bytes
    deleted: bytes
    archive: bytes


def picture(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(out, "PNG")
    return out.getvalue()


def _files(folder: Path) -> tuple[bytes, bytes, bytes]:
    pic, gone = picture((200, 10, 10)), picture((10, 200, 10))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("in/pic.png", pic)
    folder.mkdir()
    (folder / "a.png").write_bytes(pic)
    (folder / "gone.png").write_bytes(gone)
    (folder / "z.zip").write_bytes(zipped.getvalue())
    return pic, gone, zipped.getvalue()


def _run(*command: str) -> None:
    if shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed (scripts/system-deps.sh installs it)")
    subprocess.run(command, check=True, capture_output=True)


def fat_image(tmp: Path, name: str = "fat.img") -> Built:
    """A FAT16 image: /sub/a.png, deleted /gone.png, /z.zip."""
    pic, gone, archive = _files(tmp / f"{name}.files")
    image = tmp / name
    _run("mkfs.vfat", "-F", "16", "-s", "1", "-C", str(image), "8192")
    _run("mmd", "-i", str(image), "::/sub")
    _run("mcopy", "-i", str(image), str(tmp / f"{name}.files/a.png"), "::/sub/a.png")
    _run("mcopy", "-i", str(image), str(tmp / f"{name}.files/gone.png"), "::/gone.png")
    _run("mcopy", "-i", str(image), str(tmp / f"{name}.files/z.zip"), "::/z.zip")
    _run("mdel", "-i", str(image), "::/gone.png")
    return Built(image, pic, gone, archive)


def ext4_image(tmp: Path) -> Built:
    """An ext4 image made with ``mkfs.ext4 -d``, then /gone.png removed with debugfs."""
    files = tmp / "ext.files"
    pic, gone, archive = _files(files)
    image = tmp / "ext.img"
    _run("mkfs.ext4", "-q", "-F", "-d", str(files), str(image), "4M")
    _run("debugfs", "-w", "-R", "rm /gone.png", str(image))
    return Built(image, pic, gone, archive)


def mbr_image(tmp: Path) -> Built:
    """An MBR-partitioned image: one FAT16 partition at sector 2048."""
    inner = fat_image(tmp, "part.img")
    image = tmp / "mbr.img"
    with open(image, "wb") as out:
        out.truncate(1024 * 1024 + inner.image.stat().st_size)
    subprocess.run(
        ["sfdisk", "-q", str(image)], input=b"2048,,6\n", check=True, capture_output=True
    )
    _run("dd", f"if={inner.image}", f"of={image}", "bs=1M", "seek=1", "conv=notrunc", "status=none")
    return Built(image, inner.picture, inner.deleted, inner.archive)


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


def noisy_fat_image(folder: Path, name: str = "raw.img") -> Path:
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
