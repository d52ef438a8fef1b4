"""Archives inside evidence: nesting, hostile names, bombs, encryption, corruption, detection.

Every archive is built here, in memory or in ``tmp_path``; the bombs are honest deflate
streams of zeros (one flushed block repeated), so they are small and fast to build.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import random
import struct
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest

from genkend.errors import MediaError
from genkend.evidence import ArchiveLimits, EvidenceSource, open_source
from genkend.records import MediaItem

MIB = 2**20


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


def by_location(found: list[tuple[MediaItem, bytes | None]]) -> dict[str, MediaItem]:
    return {item.location: item for item, _ in found}


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


TarMode = Literal["w", "w:gz", "w:bz2", "w:xz"]


def tar_bytes(members: list[tuple[str, bytes]], mode: TarMode = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def deflated_zeros(mib: int) -> bytes:
    """A raw deflate stream of ``mib`` MiB of zeros: one fully flushed block, repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mib + compressor.flush()


def zeros_crc(mib: int) -> int:
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(bytes(MIB), crc)
    return crc


def gzip_of_zeros(mib: int) -> bytes:
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"
    trailer = struct.pack("<II", zeros_crc(mib), (mib * MIB) & 0xFFFFFFFF)
    return header + deflated_zeros(mib) + trailer


@dataclass(frozen=True)
class Entry:
    """One member of ``raw_zip``: its stored bytes and what its headers declare."""

    name: str
    payload: bytes
    size: int
    method: int = zipfile.ZIP_STORED
    crc: int = 0
    flags: int = 0


def stored(name: str, data: bytes) -> Entry:
    return Entry(name, data, len(data), crc=zlib.crc32(data))


def raw_zip(entries: list[Entry]) -> bytes:
    """A zip written field by field, so that its headers can say what a test needs.

    The compressed size declared is the payload's length; a declared size of 4 GiB or
    more is written in a zip64 extra field, as the format requires.
    """
    body, central = bytearray(), bytearray()
    for entry in entries:
        name, extra = entry.name.encode(), b""
        if entry.size >= 0xFFFFFFFF:
            extra = struct.pack("<HHQQ", 1, 16, entry.size, len(entry.payload))
            size32 = compressed32 = 0xFFFFFFFF
        else:
            size32, compressed32 = entry.size, len(entry.payload)
        fields = struct.pack(
            "<HHHHHIIIHH",
            45,
            entry.flags,
            entry.method,
            0,
            0x5821,
            entry.crc,
            compressed32,
            size32,
            len(name),
            len(extra),
        )
        offset = len(body)
        body += b"PK\x03\x04" + fields + name + extra + entry.payload
        central += b"PK\x01\x02" + struct.pack("<H", 45) + fields
        central += struct.pack("<HHHII", 0, 0, 0, 0, offset) + name + extra
    count = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    return bytes(body + central + end)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def nested_chain(evidence: Path) -> dict[str, bytes]:
    """outer.zip > mid.tar.gz > dir/inner.zip > a.jpg; returns each level's bytes."""
    picture = os.urandom(3000)
    inner = zip_bytes([("a.jpg", picture)])
    mid = tar_bytes([("dir/inner.zip", inner), ("dir/note.txt", b"note")], mode="w:gz")
    outer = zip_bytes([("mid.tar.gz", mid), ("top.txt", b"top")])
    (evidence / "outer.zip").write_bytes(outer)
    return {"outer": outer, "mid": mid, "inner": inner, "picture": picture}


def test_nested_archives_are_walked_with_locations_depths_and_bytes(
    evidence: Path, spool: Path
) -> None:
    parts = nested_chain(evidence)
    found = walk(open_source(evidence, "S", spool_dir=spool))

    assert [(item.location, item.depth) for item, _ in found] == [
        ("outer.zip", 0),
        ("outer.zip!/mid.tar.gz", 1),
        ("outer.zip!/mid.tar.gz!/dir/inner.zip", 2),
        ("outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg", 3),
        ("outer.zip!/mid.tar.gz!/dir/note.txt", 2),
        ("outer.zip!/top.txt", 1),
    ]
    data = {item.location: content for item, content in found}
    assert data["outer.zip"] == parts["outer"]
    assert data["outer.zip!/mid.tar.gz"] == parts["mid"]
    assert data["outer.zip!/mid.tar.gz!/dir/inner.zip"] == parts["inner"]
    assert data["outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg"] == parts["picture"]
    items = by_location(found)
    assert items["outer.zip"].path == evidence.resolve() / "outer.zip"
    assert items["outer.zip!/mid.tar.gz"].path is None
    assert items["outer.zip!/mid.tar.gz"].size == len(parts["mid"])
    assert "tar.gz archive; its content follows" in items["outer.zip!/mid.tar.gz"].notes
    assert all(item.error is None for item, _ in found)
    assert list(spool.iterdir()) == []


def test_members_can_be_opened_again_after_the_walk(evidence: Path) -> None:
    parts = nested_chain(evidence)
    source = open_source(evidence, "S")
    items = by_location([(item, None) for item in source.items()])

    deep = items["outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg"]
    with source.open(deep) as stream:
        assert stream.read() == parts["picture"]
    with source.open(items["outer.zip!/mid.tar.gz"]) as stream:
        assert stream.read() == parts["mid"]
    with pytest.raises(MediaError, match="belongs to source"):
        source.open(MediaItem("other", deep.location, deep.size))


def test_a_stream_opened_before_advancing_stays_readable(evidence: Path) -> None:
    parts = nested_chain(evidence)
    source = open_source(evidence, "S")
    streams = {item.location: source.open(item) for item in source.items() if item.depth}
    try:
        picture = streams["outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg"]
        assert picture.read() == parts["picture"]
        assert picture.seek(0) == 0
        assert picture.read(10) == parts["picture"][:10]
    finally:
        for stream in streams.values():
            stream.close()


def test_nesting_depth_limit_lists_but_does_not_open(evidence: Path) -> None:
    nested_chain(evidence)
    found = walk(open_source(evidence, "S", ArchiveLimits(max_depth=2)))
    items = by_location(found)

    assert max(item.depth for item, _ in found) == 2
    inner = items["outer.zip!/mid.tar.gz!/dir/inner.zip"]
    assert inner.error is None
    assert "zip archive, not opened: nesting depth limit 2" in inner.notes
    assert "outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg" not in items

    top_only = walk(open_source(evidence, "S", ArchiveLimits(max_depth=0)))
    assert [item.location for item, _ in top_only] == ["outer.zip"]


def test_unsafe_member_names_are_listed_and_nothing_is_written(
    evidence: Path, spool: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = [
        ("../../etc/passwd", b"root::0:0"),
        ("/abs/evil.txt", b"abs"),
        ("..\\..\\windows.txt", b"win"),
        ("fine/ok.txt", b"ok"),
    ]
    (evidence / "evil.zip").write_bytes(zip_bytes(hostile))
    (evidence / "evil.tar").write_bytes(tar_bytes(hostile))
    workdir = tmp_path / "cwd" / "a" / "b"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    before = snapshot(tmp_path)

    found = walk(open_source(evidence, "S", spool_dir=spool))

    assert snapshot(tmp_path) == before
    items = by_location(found)
    data = {item.location: content for item, content in found}
    for archive in ("evil.zip", "evil.tar"):
        for name, content in hostile:
            location = f"{archive}!/{name}"
            assert data[location] == content
            unsafe = not name.startswith("fine")
            assert ("unsafe member name; read in memory only" in items[location].notes) is unsafe


def test_small_zip_declaring_ten_gib_is_refused_unread(evidence: Path) -> None:
    payload = deflated_zeros(1)
    bomb = raw_zip(
        [
            Entry("zeros.bin", payload, 10 * 2**30, zipfile.ZIP_DEFLATED, zeros_crc(1)),
            stored("after.txt", b"after"),
        ]
    )
    assert len(bomb) < 2000
    (evidence / "bomb.zip").write_bytes(bomb)

    started = time.monotonic()
    items = by_location(walk(open_source(evidence, "S")))

    assert time.monotonic() - started < 5
    refused = items["bomb.zip!/zeros.bin"]
    assert refused.error is not None
    assert refused.error.startswith("expansion limit exceeded: member declares 10737418240 bytes")
    assert items["bomb.zip!/after.txt"].error is None
    assert items["bomb.zip"].error is None and items["bomb.zip"].size == len(bomb)


def test_member_holding_more_than_its_header_says_is_read_only_as_declared(
    evidence: Path,
) -> None:
    # 32 MiB of zeros behind a header declaring 1000 bytes: reading stops at 1000.
    payload = deflated_zeros(32)
    liar = raw_zip(
        [
            Entry("small.txt", payload, 1000, zipfile.ZIP_DEFLATED, zlib.crc32(bytes(1000))),
            Entry("bad-crc.txt", payload, 1000, zipfile.ZIP_DEFLATED, crc=1),
            stored("after.txt", b"after"),
        ]
    )
    (evidence / "liar.zip").write_bytes(liar)

    found = walk(open_source(evidence, "S"))
    items = by_location(found)
    data = {item.location: content for item, content in found}

    assert items["liar.zip!/small.txt"].size == 1000
    assert data["liar.zip!/small.txt"] == bytes(1000)
    error = items["liar.zip!/bad-crc.txt"].error
    assert error is not None and error.startswith("archive member could not be read: Bad CRC")
    assert data["liar.zip!/after.txt"] == b"after"


def test_gzip_bomb_is_stopped_while_reading(evidence: Path) -> None:
    (evidence / "zeros.gz").write_bytes(gzip_of_zeros(64))
    limits = ArchiveLimits(ratio_grace_bytes=2 * MIB)

    items = by_location(walk(open_source(evidence, "S", limits)))

    error = items["zeros.gz!/zeros"].error
    assert error is not None and error.startswith("expansion limit exceeded:")
    assert "ratio above 200" in error
    assert "gz-compressed file; its content follows" in items["zeros.gz"].notes


def test_tar_gz_bomb_stops_the_stream_and_says_so(evidence: Path) -> None:
    tar = tar_bytes(
        [("first.txt", b"first"), ("zeros.bin", bytes(48 * MIB)), ("never.txt", b"never")],
        mode="w:gz",
    )
    (evidence / "bomb.tgz").write_bytes(tar)
    limits = ArchiveLimits(ratio_grace_bytes=2 * MIB)

    found = walk(open_source(evidence, "S", limits))
    items = by_location(found)

    assert [item.location for item, _ in found] == [
        "bomb.tgz",
        "bomb.tgz!/first.txt",
        "bomb.tgz!/zeros.bin",
        "bomb.tgz!/",
    ]
    assert items["bomb.tgz!/first.txt"].error is None
    assert str(items["bomb.tgz!/zeros.bin"].error).startswith("expansion limit exceeded:")
    assert str(items["bomb.tgz!/"].error).startswith(
        "expansion limit exceeded after bomb.tgz!/zeros.bin"
    )


def test_member_size_and_total_limits(evidence: Path) -> None:
    (evidence / "big.tar").write_bytes(
        tar_bytes([("big.bin", os.urandom(5000)), ("small.bin", b"small")])
    )
    members = [(f"m{i}.bin", os.urandom(3000)) for i in range(5)]
    (evidence / "many.zip").write_bytes(zip_bytes(members))
    limits = ArchiveLimits(max_member_bytes=4096, max_total_bytes=7000)

    found = walk(open_source(evidence, "S", limits))
    items = by_location(found)

    assert str(items["big.tar!/big.bin"].error).startswith(
        "expansion limit exceeded: member declares 5000 bytes"
    )
    assert items["big.tar!/small.bin"].error is None
    many = [item for item, _ in found if item.location.startswith("many.zip!/")]
    assert [item.error is None for item in many] == [True, True, False]
    assert "the rest of the top-level archive was not read" in str(many[-1].error)


def test_member_count_limit(evidence: Path) -> None:
    (evidence / "many.zip").write_bytes(zip_bytes([(f"{i}.txt", b"x") for i in range(5)]))

    found = walk(open_source(evidence, "S", ArchiveLimits(max_members=3)))

    assert [item.location for item, _ in found] == [
        "many.zip",
        "many.zip!/0.txt",
        "many.zip!/1.txt",
        "many.zip!/2.txt",
        "many.zip!/",
    ]
    assert "more than 3 members" in str(found[-1][0].error)


def test_encrypted_zip_member_is_an_error_item(evidence: Path) -> None:
    # The general-purpose flag's bit 0, in the local and the central header, is how a
    # zip marks an encrypted member; the payload stands for ZipCrypto ciphertext.
    secret = os.urandom(64)
    archive = raw_zip(
        [
            Entry("secret.jpg", secret, 52, zipfile.ZIP_STORED, crc=0x12345678, flags=0x1),
            stored("open.txt", b"open"),
        ]
    )
    (evidence / "locked.zip").write_bytes(archive)
    assert zipfile.ZipFile(evidence / "locked.zip").getinfo("secret.jpg").flag_bits & 1

    found = walk(open_source(evidence, "S"))
    items = by_location(found)

    assert items["locked.zip!/secret.jpg"].error == "encrypted archive member"
    assert dict((i.location, d) for i, d in found)["locked.zip!/open.txt"] == b"open"


def test_corrupt_zip_is_still_listed_with_an_error(evidence: Path) -> None:
    text = bytes(random.Random(7).choices(b"abcdefgh ", k=5000))
    good = zip_bytes([("a.txt", text), ("b.txt", b"b" * 1000)])
    (evidence / "truncated.zip").write_bytes(good[: len(good) // 2])
    damaged = bytearray(good)
    # a.txt's compressed data starts after its 30-byte local header and its name.
    damaged[30 + 5 + 100 : 30 + 5 + 140] = bytes(40)
    (evidence / "damaged.zip").write_bytes(bytes(damaged))

    found = walk(open_source(evidence, "S"))
    items = by_location(found)

    assert items["truncated.zip"].error is None
    assert items["truncated.zip"].size == len(good) // 2
    assert str(items["truncated.zip!/"].error).startswith("archive could not be read:")
    assert str(items["damaged.zip!/a.txt"].error).startswith("archive member could not be read")
    assert dict((i.location, d) for i, d in found)["damaged.zip!/b.txt"] == b"b" * 1000


def test_truncated_tar_gz_keeps_what_it_could_read(evidence: Path) -> None:
    tar = tar_bytes([("one.bin", os.urandom(20_000)), ("two.bin", os.urandom(80_000))], "w:gz")
    (evidence / "cut.tar.gz").write_bytes(tar[: len(tar) - 40_000])

    found = walk(open_source(evidence, "S"))
    items = by_location(found)

    assert items["cut.tar.gz!/one.bin"].error is None
    assert items["cut.tar.gz!/two.bin"].error is not None


def test_damaged_archives_never_raise(evidence: Path) -> None:
    nested_chain(evidence)
    originals = {
        "outer.zip": (evidence / "outer.zip").read_bytes(),
        "t.tar.bz2": tar_bytes([("x.zip", zip_bytes([("y.txt", b"y" * 500)]))], "w:bz2"),
        "t.tar.xz": tar_bytes([("z.txt", b"z" * 500)], "w:xz"),
    }
    (evidence / "outer.zip").unlink()
    rng = random.Random(20240601)
    for trial in range(60):
        name, data = rng.choice(sorted(originals.items()))
        damaged = bytearray(data[: rng.randrange(20, len(data) + 1)])
        for _ in range(rng.randint(0, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        (evidence / name).write_bytes(bytes(damaged))
        found = walk(open_source(evidence, f"S{trial}"))
        assert found[0][0].location == name and found[0][1] == bytes(damaged)
        (evidence / name).unlink()


@pytest.mark.parametrize(
    ("name", "content", "expected_members"),
    [
        ("holiday.jpg", zip_bytes([("inside.txt", b"in")]), ["holiday.jpg!/inside.txt"]),
        ("backup.zip", b"PK is not enough: this is text", []),
        ("noext", tar_bytes([("t.txt", b"t")]), ["noext!/t.txt"]),
        ("data.bin", tar_bytes([("g.txt", b"g")], "w:gz"), ["data.bin!/g.txt"]),
        ("photo.jpg.gz", gzip.compress(b"jpeg"), ["photo.jpg.gz!/photo.jpg"]),
        ("doc.bz2", bz2.compress(b"doc"), ["doc.bz2!/doc"]),
        ("blob", lzma.compress(b"blob"), ["blob!/blob"]),
        ("fake.tar.gz", b"\x1f\x8c not gzip at all", []),
    ],
)
def test_archives_are_recognised_by_content_not_name(
    evidence: Path, name: str, content: bytes, expected_members: list[str]
) -> None:
    (evidence / name).write_bytes(content)

    found = walk(open_source(evidence, "S"))

    assert [item.location for item, _ in found] == [name, *expected_members]
    assert all(item.error is None for item, _ in found)
    assert bool(found[0][0].notes) is bool(expected_members)


def test_single_file_source_that_is_an_archive(evidence: Path) -> None:
    parts = nested_chain(evidence)
    source = open_source(evidence / "outer.zip", "S")

    found = walk(source)

    assert source.root == (evidence / "outer.zip").resolve()
    assert found[0][0].location == "outer.zip" and found[0][1] == parts["outer"]
    deep = by_location(found)["outer.zip!/mid.tar.gz!/dir/inner.zip!/a.jpg"]
    with source.open(deep) as stream:
        assert stream.read() == parts["picture"]


def test_member_times_are_utc_or_noted(evidence: Path) -> None:
    stamped = zipfile.ZipInfo("stamped.txt", date_time=(2020, 1, 2, 3, 4, 6))
    stamped.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1_600_000_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(stamped, b"s")
        archive.writestr(zipfile.ZipInfo("local.txt", (2020, 1, 2, 3, 4, 6)), b"l")
    (evidence / "times.zip").write_bytes(buffer.getvalue())
    (evidence / "times.tar").write_bytes(tar_bytes([("t.txt", b"t")]))

    items = by_location(walk(open_source(evidence, "S")))

    assert items["times.zip!/stamped.txt"].mtime == datetime.fromtimestamp(1_600_000_000, UTC)
    assert items["times.zip!/local.txt"].mtime is None
    assert (
        "zip time 2020-01-02 03:04:06 is local to the archiving machine (no time zone)"
        in items["times.zip!/local.txt"].notes
    )
    assert items["times.tar!/t.txt"].mtime == datetime.fromtimestamp(1_700_000_000, UTC)


def test_repeated_names_links_and_special_members(evidence: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in (("same.txt", b"first"), ("same.txt", b"second")):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for kind, target in (
            (tarfile.SYMTYPE, "/etc/shadow"),
            (tarfile.LNKTYPE, "same.txt"),
            (tarfile.FIFOTYPE, ""),
        ):
            info = tarfile.TarInfo(f"entry-{kind.decode()}")
            info.type, info.linkname = kind, target
            archive.addfile(info)
    (evidence / "odd.tar").write_bytes(buffer.getvalue())

    found = walk(open_source(evidence, "S"))
    data = {item.location: content for item, content in found}
    items = by_location(found)

    assert data["odd.tar!/same.txt"] == b"first"
    assert data["odd.tar!/same.txt#2"] == b"second"
    assert any("location suffixed #2" in note for note in items["odd.tar!/same.txt#2"].notes)
    assert items["odd.tar!/entry-2"].error == "symbolic link to /etc/shadow, not followed"
    assert str(items["odd.tar!/entry-1"].error).startswith("hard link to same.txt")
    assert str(items["odd.tar!/entry-6"].error).startswith("special file")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc/self/fd")
def test_large_members_spill_only_into_the_spool_folder(
    evidence: Path, spool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("genkend.evidence.spool.SPOOL_MEMORY_BYTES", 1024)
    (evidence / "big.zip").write_bytes(zip_bytes([("big.bin", os.urandom(50_000))]))

    def open_files() -> list[str]:
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                found.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                continue
        return found

    source = open_source(evidence, "S", spool_dir=spool)
    spilled = []
    for item in source.items():
        if item.location == "big.zip!/big.bin":
            spilled = [target for target in open_files() if target.startswith(str(spool))]
            with source.open(item) as stream:
                assert len(stream.read()) == 50_000

    assert spilled, "the member should have been spilled into the spool folder"
    assert not [target for target in open_files() if target.startswith(str(spool))]
    assert list(spool.iterdir()) == []


def test_awkward_names_are_reopened_from_their_locations(evidence: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("a.jpg", b"inner member")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("x.zip", inner.getvalue())
        archive.writestr("x.zip!/a.jpg", b"look-alike member")
        archive.writestr("NAMELESS", b"nameless member")
        archive.writestr("50%#1.txt", b"percent and hash")
    # zipfile cuts a name at its first NUL: this member's stored name reads as empty
    hostile = outer.getvalue().replace(b"NAMELESS", b"\0AMELESS")
    (evidence / "t.zip!").mkdir()
    (evidence / "t.zip!" / "o.zip").write_bytes(hostile)
    (evidence / "c%FF.zip").write_bytes(hostile)
    with open(os.fsencode(evidence) + b"/c\xff.zip", "wb") as handle:
        handle.write(hostile)

    source = open_source(evidence, "S")
    items = [item for item in source.items() if item.depth]
    # opened after the walk: each member is found again from its location alone
    contents = {item.location: source.open(item).read() for item in items}

    assert len(contents) == 15
    for top in ("t.zip%21/o.zip", "c%25FF.zip", "c%FF.zip"):
        assert contents[f"{top}!/x.zip!/a.jpg"] == b"inner member"
        assert contents[f"{top}!/x.zip%21/a.jpg"] == b"look-alike member"
        assert contents[f"{top}!/#2"] == b"nameless member"
        assert contents[f"{top}!/50%25%231.txt"] == b"percent and hash"
