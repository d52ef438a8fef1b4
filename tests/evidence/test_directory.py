"""A folder (or a single file) as evidence: order, links, special files, failures, read-only.

The tests may run as root, for whom permission bits do not stop reading; unreadable
files and folders are therefore made so by having ``os.open`` / ``os.scandir`` fail
with EACCES for exactly those paths, which is what the kernel does for other users.
"""

from __future__ import annotations

import errno
import io
import os
import socket
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import genkend.evidence
from genkend.errors import EvidenceError, MediaError, WorkspaceError
from genkend.evidence import EvidenceSource, LocalSource, open_source
from genkend.records import MediaItem


def walk(source: EvidenceSource) -> list[tuple[MediaItem, bytes | None]]:
    """Every item with its bytes, read right after it is yielded, as ingest does."""
    found = []
    for item in source.items():
        data = None
        if item.error is None:
            with source.open(item) as stream:
                data = stream.read()
        found.append((item, data))
    return found


def write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Name, size, mode and modification time of everything under ``folder``."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        entries[str(path.relative_to(folder))] = (info.st_size, info.st_mode, info.st_mtime_ns)
    return entries


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


def deny(monkeypatch: pytest.MonkeyPatch, name: str, denied: Path) -> Callable[..., Any]:
    """Make ``os.<name>`` fail with EACCES for ``denied`` and work for every other path."""
    real: Callable[..., Any] = getattr(os, name)

    def refusing(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(os.fsdecode(path)) == denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, refusing)
    return real


def test_items_are_depth_first_in_sorted_name_order(evidence: Path) -> None:
    files = {
        "b0.txt": b"b0",
        "b/d/e.txt": b"e",
        "a.txt": b"a",
        "b.txt": b"b-dot",
        "b/c.txt": b"c",
        "B.txt": b"upper",
    }
    write(evidence, files)
    when = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
    os.utime(evidence / "a.txt", (when.timestamp(), when.timestamp()))
    source = open_source(evidence, "S1")

    found = walk(source)

    assert [item.location for item, _ in found] == [
        "B.txt",
        "a.txt",
        "b/c.txt",
        "b/d/e.txt",
        "b.txt",
        "b0.txt",
    ]
    for item, data in found:
        assert data == files[item.location]
        assert item.source_id == "S1" and item.depth == 0 and item.error is None
        assert item.size == len(files[item.location])
        assert item.path == evidence.resolve() / item.location
        assert item.mtime is not None and item.mtime.tzinfo is UTC
    assert found[1][0].mtime == when
    assert [item for item, _ in found] == [item for item, _ in walk(source)]
    assert source.root == evidence.resolve()


def test_symbolic_link_loop_is_listed_not_followed(evidence: Path) -> None:
    write(evidence, {"dir/photo.jpg": b"jpeg"})
    (evidence / "dir" / "loop").symlink_to("..")
    (evidence / "dir" / "self").symlink_to("self")

    found = walk(open_source(evidence, "S"))

    assert [(item.location, item.error) for item, _ in found] == [
        ("dir/loop", "symbolic link to .., not followed"),
        ("dir/photo.jpg", None),
        ("dir/self", "symbolic link to self, not followed"),
    ]


def test_links_out_of_the_root_are_not_followed(evidence: Path, tmp_path: Path) -> None:
    secret_dir = tmp_path / "outside"
    write(secret_dir, {"secret.txt": b"SECRET CONTENT"})
    write(evidence, {"inside.txt": b"inside"})
    (evidence / "to-file").symlink_to(secret_dir / "secret.txt")
    (evidence / "to-dir").symlink_to(secret_dir)
    (evidence / "to-inside").symlink_to("inside.txt")
    source = open_source(evidence, "S")

    found = walk(source)

    items = {item.location: item for item, _ in found}
    assert set(items) == {"inside.txt", "to-dir", "to-file", "to-inside"}
    assert items["to-file"].error == f"symbolic link to {secret_dir / 'secret.txt'}, not followed"
    assert items["to-dir"].error == f"symbolic link to {secret_dir}, not followed"
    assert items["to-inside"].error == "symbolic link to inside.txt, not followed"
    assert all(item.path is None for item in items.values() if item.error)
    assert all(b"SECRET" not in (data or b"") for _, data in found)
    with pytest.raises(MediaError, match="not followed"):
        source.open(items["to-file"])
    forged = MediaItem("S", "to-file", 14, path=evidence.resolve() / "to-file")
    with pytest.raises(MediaError, match="outside the evidence root"):
        source.open(forged)


@pytest.mark.timeout(20)
def test_special_files_are_recorded_never_opened(evidence: Path) -> None:
    os.mkfifo(evidence / "pipe")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(evidence / "sock"))
        write(evidence, {"z.txt": b"z"})

        found = walk(open_source(evidence, "S"))

    assert [(item.location, item.error) for item, _ in found] == [
        ("pipe", "special file (fifo), not read"),
        ("sock", "special file (socket), not read"),
        ("z.txt", None),
    ]


def test_a_file_that_vanishes_after_listing_is_an_error_item(evidence: Path) -> None:
    write(evidence, {"a.txt": b"a", "b.txt": b"b", "c.txt": b"c"})
    source = open_source(evidence, "S")
    items = source.items()

    first = next(items)
    (evidence / "b.txt").unlink()
    rest = list(items)

    assert first.location == "a.txt"
    assert [(item.location, item.error) for item in rest] == [
        ("b.txt", "entry vanished before it could be read"),
        ("c.txt", None),
    ]
    (evidence / "c.txt").unlink()
    with pytest.raises(MediaError, match="vanished"):
        source.open(rest[1])


def test_a_file_changed_since_listing_is_refused(evidence: Path) -> None:
    write(evidence, {"a.txt": b"before"})
    source = open_source(evidence, "S")
    (item,) = source.items()
    (evidence / "a.txt").write_bytes(b"after, and longer")

    with pytest.raises(MediaError, match="changed since it was listed"):
        source.open(item)


def test_unreadable_file_and_folder_do_not_stop_the_walk(
    evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        evidence, {"a/locked.txt": b"x", "a/ok.txt": b"ok", "sealed/inner.txt": b"i", "z.txt": b"z"}
    )
    root = evidence.resolve()
    source = open_source(evidence, "S")
    deny(monkeypatch, "open", root / "a" / "locked.txt")
    deny(monkeypatch, "scandir", root / "sealed")

    found = walk(source)

    assert [(item.location, item.error) for item, _ in found] == [
        ("a/locked.txt", "file could not be read: Permission denied"),
        ("a/ok.txt", None),
        ("sealed", "folder could not be listed: Permission denied"),
        ("z.txt", None),
    ]
    assert found[0][0].size == 1


def test_evidence_is_not_modified_and_streams_are_read_only(evidence: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("in.txt", b"in")
    write(evidence, {"x/a.jpg": b"jpeg" * 100, "pack.zip": buffer.getvalue()})
    old = datetime(2001, 1, 1, tzinfo=UTC).timestamp()
    for path in (evidence / "x" / "a.jpg", evidence / "pack.zip"):
        os.utime(path, (old, path.stat().st_mtime))
    before = snapshot(evidence)
    source = open_source(evidence, "S")

    for item in source.items():
        with source.open(item) as stream:
            stream.read()
            with pytest.raises(io.UnsupportedOperation):
                stream.write(b"x")

    assert snapshot(evidence) == before
    # O_NOATIME: reading did not even move the access times.
    assert (evidence / "x" / "a.jpg").stat().st_atime == old
    assert (evidence / "pack.zip").stat().st_atime == old


def test_undecodable_names_are_escaped_and_noted(evidence: Path) -> None:
    raw = os.fsencode(evidence) + b"/bad\xff.txt"
    with open(raw, "wb") as handle:
        handle.write(b"content")

    ((item, data),) = walk(open_source(evidence, "S"))

    assert item.location == "bad%FF.txt"
    assert item.notes == ("name is not valid UTF-8; undecodable bytes shown as %XX",)
    assert data == b"content"


def test_single_file_source(evidence: Path) -> None:
    write(evidence, {"one.jpg": b"jpeg"})
    source = open_source(evidence / "one.jpg", "S")

    found = walk(source)

    assert isinstance(source, LocalSource)
    assert source.root == (evidence / "one.jpg").resolve()
    assert [(item.location, data) for item, data in found] == [("one.jpg", b"jpeg")]


def test_open_source_refuses_what_is_not_evidence(evidence: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(EvidenceError, match="cannot be opened"):
        open_source(tmp_path / "missing", "S")
    with pytest.raises(EvidenceError, match="neither a folder nor a regular file"):
        open_source(tmp_path / "pipe", "S")
    (evidence / "spool").mkdir()
    with pytest.raises(WorkspaceError, match="inside the evidence"):
        open_source(evidence, "S", spool_dir=evidence / "spool")
    with pytest.raises(WorkspaceError, match="does not exist"):
        open_source(evidence, "S", spool_dir=tmp_path / "no-spool")


def open_paths() -> list[str]:
    """What this process has open, by path (Linux)."""
    paths = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return paths


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc/self/fd")
def test_an_abandoned_walk_leaves_nothing_open(evidence: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(3):
            archive.writestr(f"{index}.txt", b"x" * 100)
    write(evidence, {"pack.zip": buffer.getvalue()})
    pack = str((evidence / "pack.zip").resolve())
    source = open_source(evidence, "S")

    items: Iterator[MediaItem] = source.items()
    assert [next(items).location, next(items).location] == ["pack.zip", "pack.zip!/0.txt"]
    assert pack in open_paths()
    del items  # the generator is closed: archive closed, spools released, no warnings

    assert pack not in open_paths()


def test_public_api_is_deliberate() -> None:
    assert genkend.evidence.__all__ == [
        "ArchiveFormat",
        "ArchiveLimits",
        "EvidenceSource",
        "LocalSource",
        "open_source",
    ]
