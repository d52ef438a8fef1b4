"""Cellebrite reader reports (UFDR): a zip whose ``report.xml`` places its ``files/``.

A UFDR stores the device's files by category (``files/Image/IMG_0001.JPG``); its
``report.xml``, whose root is Cellebrite's ``project`` element, lists each as a
``<file path="/private/var/.../IMG_0001.JPG" deleted="Deleted">`` with the times the
device kept (``<timestamp name="ModifyTime">``) and a metadata item ``Local Path``
naming the member (``files\\Image\\IMG_0001.JPG``). A zip is a UFDR by that content,
whatever its name. ``zip_placement`` is what the archive walker asks of every zip: a
UFDR ``Report``, else a file-system ``Extraction`` recognised by its member names
(``genkend.evidence.extraction``), else nothing.

Invariants: the report is read as a stream (``iterparse``) with no entity expansion
and no external resource (``defusedxml``), through the same ``Meter`` as any member,
so it costs at most the archive's limits; elements are dropped once read, so memory
grows with the file entries kept and not with the report. A damaged report is a
problem recorded on the archive's contents; the entries read before the damage are
kept and every member is still read, placed or not.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, cast
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from genkend.errors import TooLarge
from genkend.evidence.extraction import Placement, device_text, normalised, recognise
from genkend.evidence.limits import ArchiveLimits, Budget, Counter, Meter
from genkend.records import FileSystemEntry

FILE_SYSTEM = "ufdr"
REPORT = "report.xml"
FILES = "files/"
UNLISTED_NOTE = "stored in the UFDR but not listed in its report.xml"
UNPLACED_NOTE = "not placed on the device: the UFDR's report.xml broke off before it"
_ROOT = "project"
_TIMES = {"ModifyTime": "modified", "AccessTime": "accessed", "CreationTime": "created"}
_ENCRYPTED = 0x1


@dataclass
class Report:
    """The file entries of a UFDR's ``report.xml``, by member name, and its damage."""

    entries: dict[str, FileSystemEntry] = field(default_factory=dict)
    problem: str | None = None

    def origin(self, name: str, mtime: datetime | None) -> FileSystemEntry | None:
        return self.entries.get(normalised(name))

    def notes(self, name: str) -> tuple[str, ...]:
        path = normalised(name)
        if not path.startswith(FILES) or path in self.entries:
            return ()
        return (UNPLACED_NOTE,) if self.problem is not None else (UNLISTED_NOTE,)


def zip_placement(
    archive: zipfile.ZipFile,
    compressed: Counter,
    budget: Budget,
    limits: ArchiveLimits,
    read_errors: tuple[type[Exception], ...],
) -> Placement | None:
    """How the open zip ``archive`` places its members (see the module docstring).

    ``compressed`` and ``budget`` meter the report's bytes as the walk meters members';
    ``read_errors`` are what reading a damaged member can raise.
    """
    infos = archive.infolist()
    report = next((info for info in infos if normalised(info.filename).lower() == REPORT), None)
    if report is not None:
        stored = any(normalised(info.filename).startswith(FILES) for info in infos)
        found = _report(archive, report, compressed, budget, limits, read_errors, stored)
        if found is not None:
            return found
    return recognise(info.filename for info in infos)


def _report(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    compressed: Counter,
    budget: Budget,
    limits: ArchiveLimits,
    read_errors: tuple[type[Exception], ...],
    stored: bool,
) -> Report | None:
    """The UFDR report in ``info``; None when it is some other XML (or, with no
    ``files/`` beside it, no XML at all)."""
    if info.flag_bits & _ENCRYPTED:
        problem = f"{REPORT} is encrypted; its files are not placed"
        return Report(problem=problem) if stored else None
    report = Report()
    caught: tuple[type[Exception], ...] = (TooLarge, ParseError, DefusedXmlException, *read_errors)
    try:
        limits.check_declared(info.file_size, info.compress_size)
        member = cast(zipfile.ZipExtFile, archive.open(info))
        expanding = info.compress_type != zipfile.ZIP_STORED
        with io.BufferedReader(Meter(member, compressed, budget, expanding=expanding)) as data:
            if not _read_entries(data, report, limits.max_members):
                return None
    except caught as exc:
        if not report.entries and not stored:
            return None
        kept = len(report.entries)
        report.problem = f"{REPORT} is damaged: {exc}; {kept} file entries read before it kept"
    return report


def _read_entries(data: BinaryIO, report: Report, max_entries: int) -> bool:
    """Fill ``report`` from the XML in ``data``; False when its root is not ``project``."""
    events = iterparse(data, events=("start", "end"))
    path: list[Element] = []
    for event, element in cast(Iterator[tuple[str, Element]], events):
        if event == "start":
            if not path and _local(element.tag) != _ROOT:
                return False
            path.append(element)
            continue
        path.pop()
        if _local(element.tag) == "file":
            _add_entry(report, element)
            if len(report.entries) >= max_entries:
                report.problem = f"{REPORT} lists more than {max_entries} files; the rest unread"
                return True
        elif any(_local(parent.tag) == "file" for parent in path):
            continue  # part of a file entry still being read
        if path:
            path[-1].remove(element)
    return True


def _add_entry(report: Report, element: Element) -> None:
    local = next(
        (
            item.text
            for item in element.iter()
            if _local(item.tag) == "item" and item.get("name") == "Local Path" and item.text
        ),
        None,
    )
    device_path = element.get("path")
    if local is None or not device_path:
        return
    times: dict[str, datetime | None] = {}
    for stamp in element.iter():
        name = _TIMES.get(stamp.get("name") or "")
        if _local(stamp.tag) == "timestamp" and name is not None and name not in times:
            times[name] = _time(stamp.text)
    entry = FileSystemEntry(
        file_system=FILE_SYSTEM,
        path=device_text(device_path),
        deleted=(element.get("deleted") or "").strip().lower() == "deleted",
        modified=times.get("modified"),
        accessed=times.get("accessed"),
        created=times.get("created"),
    )
    report.entries.setdefault(normalised(local.strip()), entry)


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
