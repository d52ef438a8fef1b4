"""Labelled evaluation data: which photo shows which identity.

Two layouts are read (``load_folder``): a folder with one subfolder per identity (the
identity is the subfolder's name), or a folder with a ``labels.csv`` of ``path,identity``
rows (paths relative to the folder; other columns are ignored), which wins when present.

Invariants: the list is sorted by relative path, so every run sees the photos in one
order; a path listed in ``labels.csv`` never leads outside the folder; files are listed,
not opened - a missing or unreadable photo surfaces later as a recorded failure.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from genkend.errors import UsageError

LABELS_FILE = "labels.csv"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelledImage:
    """One photo of a labelled data set: its file, its name in the set, its identity."""

    path: Path
    name: str
    identity: str


def load_folder(folder: str | Path) -> list[LabelledImage]:
    """The labelled photos of ``folder``, from ``labels.csv`` or from identity subfolders.

    ``UsageError`` when the folder does not exist, holds no labelled photo, or its
    ``labels.csv`` lacks the ``path`` and ``identity`` columns or names a path outside
    the folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    labels = root / LABELS_FILE
    images = _from_labels(root, labels) if labels.is_file() else _from_subfolders(root)
    if not images:
        raise UsageError(f"no labelled photos in {root}")
    return sorted(images, key=lambda image: image.name)


def _from_labels(root: Path, labels: Path) -> list[LabelledImage]:
    with labels.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        if not {"path", "identity"} <= set(reader.fieldnames or ()):
            raise UsageError(f"{labels} needs the columns path and identity")
        rows = [(row["path"] or "", row["identity"] or "") for row in reader]
    images = []
    for line, (name, identity) in enumerate(rows, start=2):
        if not name or not identity:
            raise UsageError(f"{labels}, line {line}: empty path or identity")
        images.append(LabelledImage(_inside(root, name, labels, line), name, identity))
    return images


def _inside(root: Path, name: str, labels: Path, line: int) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise UsageError(f"{labels}, line {line}: {name!r} leads outside {root}")
    return root.joinpath(*relative.parts)


def _from_subfolders(root: Path) -> list[LabelledImage]:
    images = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            log.warning("%s is not in an identity subfolder; not evaluated", entry)
            continue
        for path in sorted(entry.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                images.append(LabelledImage(path, relative.as_posix(), entry.name))
    return images
