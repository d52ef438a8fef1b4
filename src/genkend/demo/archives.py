"""Packing demonstration files into archives, nested ones included, byte for byte the same.

Responsibility: ``pack`` takes file contents keyed by evidence location, where archive
members are named as genkend's evidence sources name them (``phone.zip!/DCIM/b.tar.gz!/
x.jpg``), and builds every archive those locations imply, innermost first: zip for a
``.zip`` name, gzip-compressed tar for ``.tar.gz`` and ``.tgz``.

Invariants: the same contents and times give the same archive bytes on every run and
machine with the same zlib (members sorted by name; fixed owner, mode, host system and
gzip header time); a member's name is stored exactly as given, hostile ones
(``../../evil.txt``) included, because archives with such names are what evidence
holds.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

__all__ = ["MEMBER_SEPARATOR", "pack"]

MEMBER_SEPARATOR = "!/"
"""Joins an archive's location and a member's stored name, as evidence sources do."""

_ZIP_UNIX = 3  # "made by" host system: a zip written on Windows would say 0
_FILE_MODE = 0o644


def pack(contents: Mapping[str, bytes], times: Mapping[str, datetime]) -> dict[str, bytes]:
    """The bytes of every archive that the locations in ``contents`` are members of.

    ``times`` gives every member's modification time, nested archives' included (UTC;
    zip stores the wall time of UTC, tar the POSIX time). The result is keyed by archive
    location, top-level and nested alike; a nested archive is also a member of its
    parent.
    """
    pending = {loc: data for loc, data in contents.items() if MEMBER_SEPARATOR in loc}
    built: dict[str, bytes] = {}
    while pending:
        deepest = max(loc.count(MEMBER_SEPARATOR) for loc in pending)
        groups: dict[str, dict[str, bytes]] = defaultdict(dict)
        for location in [loc for loc in pending if loc.count(MEMBER_SEPARATOR) == deepest]:
            archive, member = location.rsplit(MEMBER_SEPARATOR, 1)
            groups[archive][member] = pending.pop(location)
        for archive, members in sorted(groups.items()):
            when = {m: times[f"{archive}{MEMBER_SEPARATOR}{m}"] for m in members}
            built[archive] = _archive(archive, members, when)
            if MEMBER_SEPARATOR in archive:
                pending[archive] = built[archive]
    return built


def _archive(name: str, members: dict[str, bytes], times: dict[str, datetime]) -> bytes:
    if name.endswith(".zip"):
        return _zip(members, times)
    if name.endswith((".tar.gz", ".tgz")):
        return _tar_gz(members, times)
    raise ValueError(f"{name}: only .zip, .tar.gz and .tgz archives are made")


def _zip(members: dict[str, bytes], times: dict[str, datetime]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=times[name].timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _ZIP_UNIX
            info.external_attr = _FILE_MODE << 16
            archive.writestr(info, members[name])
    return out.getvalue()


def _tar_gz(members: dict[str, bytes], times: dict[str, datetime]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            info.mtime = int(times[name].timestamp())
            info.mode = _FILE_MODE
            archive.addfile(info, io.BytesIO(members[name]))
    # mtime=0 leaves the time of compression out of the gzip header.
    return gzip.compress(out.getvalue(), compresslevel=6, mtime=0)
