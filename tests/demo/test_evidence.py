"""Demonstration evidence: deterministic, and its manifest tells the truth about every file.

One small generation (``images=30``; every kind of file still occurs) is shared by the
module; the checks recompute everything they assert from the bytes on disk, through
genkend's own evidence sources, decoding, hashing and hash-set readers, and never trust
a value the generator computed.
"""

from __future__ import annotations

import io
import itertools
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genkend import media
from genkend.demo import (
    Manifest,
    generate,
    generate_phone_photos,
    generate_small_files,
    pictures,
    read_manifest,
)
from genkend.demo.layout import plan
from genkend.errors import AlreadyExists, DecodeError, TooLarge, UnsupportedMedia
from genkend.evidence import open_source
from genkend.evidence.archive import UNSAFE_NAME_NOTE
from genkend.hashes import digests as hashing
from genkend.hashes import sets as hashsets
from genkend.records import HashSetEntry, MediaItem, ParseProblem, PerceptualHash

SEED = 11
IMAGES = 30
MAX_PIXELS = 200_000_000
PDQ_THRESHOLD = 31
PDQ_MIN_QUALITY = 50


@dataclass(frozen=True)
class Generated:
    folder: Path
    manifest: Manifest
    items: dict[str, MediaItem]
    content: dict[str, bytes]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    folder = tmp_path_factory.mktemp("demo") / "one"
    manifest = generate(folder, seed=SEED, images=IMAGES, workers=1)
    source = open_source(folder / manifest.evidence, "demo")
    items, content = {}, {}
    for item in source.items():
        items[item.location] = item
        if item.error is None:
            with source.open(item) as stream:
                content[item.location] = stream.read()
    return Generated(folder, manifest, items, content)


def pdq_of(data: bytes) -> PerceptualHash:
    decoded = media.decode(data, max_pixels=MAX_PIXELS, max_side=hashing.PDQ_MAX_SIDE)
    value = hashing.PdqHasher().hash(decoded.image)
    assert value is not None
    return value


def files_under(folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix(), path


# ------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_bytes_on_any_number_of_workers(
    generated: Generated, tmp_path: Path
) -> None:
    again = generate(tmp_path / "two", seed=SEED, images=IMAGES, workers=2)
    first = dict(files_under(generated.folder))
    second = dict(files_under(tmp_path / "two"))
    assert sorted(first) == sorted(second)
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name
        if name.startswith("evidence/"):
            assert path.stat().st_mtime == second[name].stat().st_mtime, name
    assert again == generated.manifest


def test_another_seed_lays_out_other_pictures() -> None:
    one, other = plan(SEED, IMAGES), plan(SEED + 1, IMAGES)
    assert [j.family for j in one.jobs] != [j.family for j in other.jobs]


def test_an_existing_generation_is_never_overwritten(generated: Generated) -> None:
    before = (generated.folder / "manifest.json").read_bytes()
    with pytest.raises(AlreadyExists):
        generate(generated.folder, seed=SEED + 1, images=IMAGES, workers=1)
    assert (generated.folder / "manifest.json").read_bytes() == before


# ------------------------------------------------------------------------- the manifest


def test_manifest_lists_exactly_what_the_evidence_source_lists(generated: Generated) -> None:
    manifest = generated.manifest
    assert {f.location for f in manifest.files} == set(generated.items)
    for generated_file in manifest.files:
        data = generated.content[generated_file.location]
        digests = hashing.digest_bytes(data)
        assert (digests.md5, digests.sha1, digests.sha256, digests.size) == (
            generated_file.md5,
            generated_file.sha1,
            generated_file.sha256,
            generated_file.size,
        ), generated_file.location
    on_disk = [name for name, _ in files_under(generated.folder / manifest.evidence)]
    assert manifest.totals.files == len(on_disk)
    assert manifest.totals.items == len(generated.items)


def test_manifest_reads_back_and_is_plain_json(generated: Generated) -> None:
    assert read_manifest(generated.folder) == generated.manifest
    as_json = json.dumps(generated.manifest.as_dict())
    assert Manifest.from_dict(json.loads(as_json)) == generated.manifest


def test_every_location_the_manifest_names_is_a_file_of_it(generated: Generated) -> None:
    manifest = generated.manifest
    named = [c.location for c in manifest.exact_copies]
    named += [c.original for c in manifest.exact_copies]
    named += [n.location for n in manifest.near_duplicates]
    named += [n.original for n in manifest.near_duplicates if n.original is not None]
    named += [k.location for k in manifest.known_files] + [b.location for b in manifest.bad_inputs]
    assert set(named) <= {f.location for f in manifest.files}


def test_the_evidence_is_varied(generated: Generated) -> None:
    files = generated.manifest.files
    mimes = {f.mime for f in files}
    assert {"image/jpeg", "image/png", "image/heic", "application/zip"} <= mimes
    sizes = {(f.width, f.height) for f in files if f.width is not None}
    assert sizes & {(4032, 3024), (3024, 4032)}, "no phone-size photo"
    assert len(sizes) > 8
    assert any(f.location.count("!/") == 2 and f.picture is not None for f in files)
    assert any(f.exif is not None and f.exif.gps_lat is not None for f in files)
    assert any(f.orientation in (6, 8) for f in files)


# -------------------------------------------------------------------------- pictures


def test_exact_copies_have_the_bytes_of_their_original(generated: Generated) -> None:
    copies = generated.manifest.exact_copies
    assert copies
    assert any("!/" in c.location for c in copies), "no copy inside an archive"
    for copy in copies:
        assert generated.content[copy.location] == generated.content[copy.original]
        assert copy.location != copy.original


def test_near_duplicates_stay_within_the_pdq_threshold(generated: Generated) -> None:
    manifest = generated.manifest
    known_pdq = {m.media_id: m.pdq for m in manifest.known_media}
    assert {n.method for n in manifest.near_duplicates} == {"crop", "recompress", "resize"}
    for near in manifest.near_duplicates:
        mine = pdq_of(generated.content[near.location])
        assert mine.quality >= PDQ_MIN_QUALITY, near.location
        if near.original is not None:
            original = pdq_of(generated.content[near.original])
            distance = hashing.hamming(mine.value, original.value)
            assert distance == near.pdq_distance
            assert generated.content[near.location] != generated.content[near.original]
        else:
            listed = known_pdq[near.known_media_id] if near.known_media_id else None
            assert listed is not None, f"{near.location} has no original at all"
            distance = hashing.hamming(mine.value, bytes.fromhex(listed))
        assert distance <= PDQ_THRESHOLD, near


def test_unrelated_pictures_are_far_apart(generated: Generated) -> None:
    originals = [f for f in generated.manifest.files if f.role == "original"]
    hashes = {f.location: pdq_of(generated.content[f.location]) for f in originals}
    for f in originals:
        assert hashes[f.location].quality >= PDQ_MIN_QUALITY, f.location
        assert hashes[f.location].hex == f.pdq
    for a, b in itertools.combinations(originals, 2):
        assert a.picture != b.picture
        distance = hashing.hamming(hashes[a.location].value, hashes[b.location].value)
        assert distance > PDQ_THRESHOLD, (a.location, b.location, distance)


def test_exif_and_orientation_read_back_as_written(generated: Generated) -> None:
    checked = 0
    for f in generated.manifest.files:
        if f.exif is None and f.orientation is None:
            continue
        data = generated.content[f.location]
        decoded = media.decode(data, max_pixels=MAX_PIXELS, max_side=64)
        assert (decoded.width, decoded.height) == (f.width, f.height)
        if f.orientation in (6, 8):
            with Image.open(io.BytesIO(data)) as stored:
                assert stored.size == (f.height, f.width)
        if f.exif is not None:
            read = decoded.exif
            assert (read.make, read.model, read.serial, read.taken_at) == (
                f.exif.make,
                f.exif.model,
                f.exif.serial,
                f.exif.taken_at,
            )
            assert read.gps_lat == pytest.approx(f.exif.gps_lat, abs=1e-9)
            assert read.gps_lon == pytest.approx(f.exif.gps_lon, abs=1e-9)
        checked += 1
    assert checked >= 3


# -------------------------------------------------------------------------- hash sets


def _read(path: Path) -> tuple[list[HashSetEntry], list[ParseProblem]]:
    found = list(hashsets.read(path))
    return (
        [e for e in found if isinstance(e, HashSetEntry)],
        [p for p in found if isinstance(p, ParseProblem)],
    )


def test_vics_hash_set_reads_back_and_matches_the_files(generated: Generated) -> None:
    manifest = generated.manifest
    vics = next(h for h in manifest.hash_sets if h.format == "vics")
    path = generated.folder / vics.path
    assert (generated.folder / manifest.evidence) not in path.parents
    entries, problems = _read(path)
    assert problems == []
    assert len(entries) == vics.entries == len(manifest.known_media)
    by_md5: dict[str, list[str]] = {}
    for f in manifest.files:
        by_md5.setdefault(f.md5, []).append(f.location)
    near_pdq = [pdq_of(generated.content[n.location]) for n in manifest.near_duplicates]
    for entry, known in zip(entries, manifest.known_media, strict=True):
        assert entry.external_id == str(known.media_id)
        assert (entry.md5, entry.sha1, entry.sha256) == (known.md5, known.sha1, known.sha256)
        assert (entry.category, entry.series) == (known.category, known.series)
        assert entry.non_pertinent == (known.category == 0)
        assert entry.pdq == (None if known.pdq is None else bytes.fromhex(known.pdq))
        assert entry.md5 is not None
        locations = by_md5.get(entry.md5, [])
        if known.in_evidence:
            assert locations, f"MediaID {known.media_id} is in no evidence file"
            digests = hashing.digest_bytes(generated.content[locations[0]])
            assert entry.sha1 in (None, digests.sha1)
            assert entry.sha256 in (None, digests.sha256)
        else:
            assert locations == []
            assert entry.pdq is not None
            assert min(hashing.hamming(entry.pdq, h.value) for h in near_pdq) <= PDQ_THRESHOLD
    categories = {(k.category, k.pdq is not None, k.in_evidence) for k in manifest.known_media}
    assert {(1, True, True), (1, False, True), (0, False, True), (1, True, False)} <= categories
    series = [k.series for k in manifest.known_media if k.category]
    assert all(name is not None and name.startswith("Series-") for name in series)


def test_operating_system_list_names_system_files_of_the_evidence(generated: Generated) -> None:
    manifest = generated.manifest
    listing = next(h for h in manifest.hash_sets if h.format == "plain")
    entries, problems = _read(generated.folder / listing.path)
    assert problems == [] and len(entries) == listing.entries
    listed = {e.md5 for e in entries}
    system = [f for f in manifest.files if f.location.startswith("Windows/System32/")]
    assert len(system) >= 5
    assert all(f.md5 in listed for f in system)
    flagged = {k.location for k in manifest.known_files if k.hash_set == listing.name}
    assert flagged == {f.location for f in system}


def test_known_files_are_every_file_a_hash_set_matches(generated: Generated) -> None:
    manifest = generated.manifest
    media_by_md5 = {m.md5: m for m in manifest.known_media}
    expected = {
        (f.location, media_by_md5[f.md5].media_id) for f in manifest.files if f.md5 in media_by_md5
    }
    listed = {(k.location, k.media_id) for k in manifest.known_files if k.media_id is not None}
    assert listed == expected
    assert any("!/" in location for location, _ in listed), "no known file inside an archive"
    assert manifest.totals.known_lookalikes == sum(
        n.known_media_id is not None for n in manifest.near_duplicates
    )


# -------------------------------------------------------------------------- bad input


def test_bad_input_is_what_the_manifest_says(generated: Generated) -> None:
    outcomes = {b.outcome: b.location for b in generated.manifest.bad_inputs}
    assert set(outcomes) == {
        "decode_error",
        "empty",
        "not_an_image",
        "not_media",
        "too_large",
        "unsafe_member_name",
    }
    content = generated.content
    assert content[outcomes["empty"]] == b""
    with pytest.raises(UnsupportedMedia):
        media.decode(content[outcomes["empty"]], max_pixels=MAX_PIXELS)
    with pytest.raises(DecodeError):
        media.decode(content[outcomes["decode_error"]], max_pixels=MAX_PIXELS)
    oversized = content[outcomes["too_large"]]
    assert len(oversized) < 200
    with pytest.raises(TooLarge):
        media.decode(oversized, max_pixels=MAX_PIXELS)
    assert struct.unpack(">II", oversized[16:24]) == (100_000, 100_000)
    header_crc = struct.unpack(">I", oversized[29:33])[0]
    assert zlib.crc32(oversized[12:29]) == header_crc, "the IHDR chunk's CRC is wrong"
    text = content[outcomes["not_an_image"]]
    assert outcomes["not_an_image"].endswith(".jpg")
    assert media.sniff(text).kind != "image"
    assert text.decode("utf-8").strip()
    pdf = content[outcomes["not_media"]]
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert media.sniff(pdf).mime == "application/pdf"
    unsafe = generated.items[outcomes["unsafe_member_name"]]
    assert unsafe.location.endswith("!/../../evil.txt")
    assert UNSAFE_NAME_NOTE in unsafe.notes


# ----------------------------------------------------------------------- bulk and parts


def test_phone_photos_are_distinct_and_weigh_what_phone_photos_weigh(tmp_path: Path) -> None:
    # Six photos from four base scenes: two pairs share a scene and must still differ.
    small = generate_phone_photos(tmp_path / "a", 6, seed=3, size=(1008, 756))
    again = generate_phone_photos(tmp_path / "b", 6, seed=3, size=(1008, 756))
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in again]
    assert len({p.read_bytes() for p in small}) == 6
    hashes = [pdq_of(p.read_bytes()) for p in small]
    assert all(h.quality >= PDQ_MIN_QUALITY for h in hashes)
    for a, b in itertools.combinations(hashes, 2):
        assert hashing.hamming(a.value, b.value) > PDQ_THRESHOLD
    (full,) = generate_phone_photos(tmp_path / "c", 1, seed=3)
    assert 2_000_000 <= full.stat().st_size <= 5_000_000
    with Image.open(full) as photo:
        assert photo.size == (4032, 3024)


def test_small_files_are_tiny_distinct_and_valid(tmp_path: Path) -> None:
    assert generate_small_files(tmp_path / "a", 60, seed=5) == 60
    generate_small_files(tmp_path / "b", 60, seed=5)
    first = dict(files_under(tmp_path / "a"))
    second = dict(files_under(tmp_path / "b"))
    assert len(first) == 60 and sorted(first) == sorted(second)
    contents = [path.read_bytes() for path in first.values()]
    assert len(set(contents)) == 60
    assert all(len(data) < 4096 for data in contents)
    assert contents == [second[name].read_bytes() for name in first]
    kinds = {name.rsplit(".", 1)[1] for name in first}
    assert kinds == {"png", "jpg", "txt"}
    for name, path in first.items():
        if not name.endswith(".txt"):
            media.decode(path.read_bytes(), max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("family", sorted(pictures.FAMILIES))
def test_every_family_draws_structured_pictures_of_any_size(family: str) -> None:
    for size in ((64, 64), (300, 1200), (1300, 200), (640, 480)):
        picture = pictures.draw(np.random.default_rng(1), size, family)
        assert picture.size == size and picture.mode == "RGB"
    picture = pictures.draw(np.random.default_rng(2), (640, 480), family)
    value = hashing.PdqHasher().hash(picture)
    assert value is not None and value.quality >= PDQ_MIN_QUALITY
    pixels = np.asarray(picture, dtype=np.int16)
    # Structured, not noise: most neighbouring pixels are equal or nearly so.
    assert np.mean(np.abs(np.diff(pixels, axis=1)) <= 2) > 0.8


def test_public_api_is_sorted_and_present() -> None:
    import genkend.demo as demo

    assert demo.__all__ == sorted(demo.__all__)
    assert {"Manifest", "generate", "generate_phone_photos", "generate_small_files"} <= set(
        demo.__all__
    )
    assert all(hasattr(demo, name) for name in demo.__all__)
