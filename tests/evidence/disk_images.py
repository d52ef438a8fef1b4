"""Small disk images for the disk-source tests, built with mkfs and mtools, never mounted.

Each image holds a picture, a deleted picture and a zip holding a picture; ``Built``
names their original bytes so tests can compare what the source reads back.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
