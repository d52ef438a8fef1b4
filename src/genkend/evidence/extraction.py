"""Phone file-system extractions in a zip or tar, recognised by the names of their members.

A full file-system extraction of a phone (Android: ``data/media/0/DCIM``, ``sdcard/``,
``data/data/<app>``; iOS: ``private/var/mobile/Media/DCIM``) is an ordinary archive
whose members are the device's files under their device paths. ``MARKERS`` is the one
place that says which member paths make an archive such an extraction; the archive
walker (``genkend.evidence.archive``) reads the members as it reads any archive and
asks an ``Extraction`` for each member's ``origin``: a ``FileSystemEntry`` whose
``file_system`` names the device family (``android-extraction``, ``ios-extraction``)
and whose ``path`` is the member's path on the device (``/data/media/0/DCIM/a.jpg``).

A marker counts at the top of the archive or under one wrapping folder, which many tools
add (``Dump/private/var/...``); that folder is then the device's ``/``, and members
outside it have no origin. A zip is recognised from its central directory before any
member is read; a tar is read as a stream, so it is recognised from the names seen so
far (folder entries included, which tar writes before their contents), and members
before the first marker have no origin. Invariant: recognition looks at names only and
never changes what is read or how an item's location is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from genkend.records import FileSystemEntry

ANDROID = "android-extraction"
IOS = "ios-extraction"


@dataclass(frozen=True)
class Marker:
    """A device path (without its leading ``/``) that only a phone's file system has."""

    file_system: str
    path: str

    def root_in(self, name: str) -> str | None:
        """The prefix of ``name`` that is the device's ``/`` when ``name`` lies under this
        marker, at the top or under one wrapping folder; None otherwise."""
        if name.startswith(self.path):
            return ""
        wrapper, _, rest = name.partition("/")
        if wrapper and rest.startswith(self.path):
            return wrapper + "/"
        return None


MARKERS: tuple[Marker, ...] = (
    Marker(ANDROID, "data/media/0/"),
    Marker(ANDROID, "data/data/"),
    Marker(ANDROID, "data/user/0/"),
    Marker(ANDROID, "data/user_de/0/"),
    Marker(ANDROID, "storage/emulated/0/"),
    Marker(ANDROID, "sdcard/"),
    Marker(ANDROID, "system/build.prop"),
    Marker(IOS, "private/var/mobile/"),
    Marker(IOS, "private/var/containers/"),
    Marker(IOS, "private/var/root/"),
    Marker(IOS, "System/Library/CoreServices/SystemVersion.plist"),
)


def normalised(name: str) -> str:
    """A member name as a device path without its leading ``/``: forward slashes, no
    ``./`` or ``/`` in front (tools write all three)."""
    name = name.replace("\\", "/")
    while name.startswith(("./", "/")):
        name = name[2:] if name.startswith("./") else name[1:]
    return name


def device_text(name: str) -> str:
    """``name`` as text a store can hold: bytes that were not UTF-8 shown as ``\\xNN``."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Extraction:
    """A recognised extraction: its family, the members' prefix that is the device's
    ``/``, and the marker that showed it."""

    file_system: str
    root: str
    marker: str

    def origin(self, name: str, mtime: datetime | None) -> FileSystemEntry | None:
        """Where the member ``name`` lies on the device; None outside the device's ``/``."""
        path = normalised(name)
        if not path.startswith(self.root) or path == self.root:
            return None
        device = "/" + device_text(path[len(self.root) :])
        return FileSystemEntry(file_system=self.file_system, path=device, modified=mtime)

    def notes(self, name: str) -> tuple[str, ...]:
        return ()

    @property
    def problem(self) -> str | None:
        return None


def recognise_name(name: str) -> Extraction | None:
    """The extraction that one member name shows, if any marker matches it."""
    path = normalised(name)
    for marker in MARKERS:
        root = marker.root_in(path)
        if root is not None:
            return Extraction(marker.file_system, root, marker.path)
    return None


def recognise(names: Iterable[str]) -> Extraction | None:
    """The extraction that the first matching name of ``names`` shows (a zip's whole
    central directory, for instance); None when no name matches a marker."""
    for name in names:
        found = recognise_name(name)
        if found is not None:
            return found
    return None


class Recognition:
    """Recognition as names arrive one by one (a tar stream): once a name matches, the
    archive is that extraction for every later member."""

    def __init__(self, known: Extraction | None = None) -> None:
        self.found = known

    def observe(self, name: str) -> Extraction | None:
        if self.found is None:
            self.found = recognise_name(name)
        return self.found


class Placement(Protocol):
    """Where an archive's members lie on the device they were extracted from.

    ``origin`` is None for a member the archive does not place (outside the device's
    ``/``, or not listed in a report); ``notes`` are what is worth showing about that;
    ``problem`` is damage found in what places them (a report that breaks off).
    """

    @property
    def problem(self) -> str | None: ...

    def origin(self, name: str, mtime: datetime | None) -> FileSystemEntry | None: ...

    def notes(self, name: str) -> tuple[str, ...]: ...
