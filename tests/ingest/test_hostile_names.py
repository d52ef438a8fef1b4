"""Hostile names: items whose names imitate other items' locations are all recorded.

A location must name one item only, and one item's failure to be written must not take
its batch with it (DESIGN rule 4).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from genkend.evidence import location


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _text_files(tmp_path: Path, names: list[str]) -> Path:
    """An evidence folder of small files, each holding its own name."""
    root = tmp_path / "evidence"
    root.mkdir()
    for name in names:
        (root / name).write_bytes(name.encode())
    return root


def _by_location(cli: Any) -> dict[str, dict[str, Any]]:
    listing = cli("media", "list", "--case", "C1", "--json").json()
    return {loc["location"]: m for m in listing for loc in m["locations"]}


def _nested_zip_and_lookalike_member(root: Path) -> int:
    inner = _zip({"a.jpg": b"inner"})
    (root / "outer.zip").write_bytes(_zip({"x.zip": inner, "x.zip!/a.jpg": b"lookalike"}))
    return 4  # outer.zip, x.zip, its a.jpg, the look-alike member


def _folder_named_like_a_member(root: Path) -> int:
    (root / "t.zip").write_bytes(_zip({"a.jpg": b"member"}))
    (root / "t.zip!").mkdir()
    (root / "t.zip!" / "a.jpg").write_bytes(b"plain file")
    return 3


def _undecodable_byte_beside_its_escape(root: Path) -> int:
    os.close(os.open(os.fsencode(root) + b"/c\xff", os.O_CREAT | os.O_WRONLY, 0o644))
    (root / "c\\xff").write_bytes(b"literal")
    (root / "c%FF").write_bytes(b"percent")
    return 3


@pytest.mark.parametrize(
    "make",
    [
        _nested_zip_and_lookalike_member,
        _folder_named_like_a_member,
        _undecodable_byte_beside_its_escape,
    ],
)
def test_lookalike_names_get_distinct_locations(cli: Any, tmp_path: Path, make: Any) -> None:
    root = tmp_path / "evidence"
    root.mkdir()
    expected = make(root)
    assert cli("case", "create", "C1", "--title", "t").code == 0
    result = cli("ingest", str(root), "--case", "C1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    (summary,) = result.json()
    assert (summary["listed"], summary["locations"]) == (expected, expected)
    listing = cli("media", "list", "--case", "C1", "--json").json()
    locations = [loc["location"] for m in listing for loc in m["locations"]]
    assert len(set(locations)) == expected
    again = cli("ingest", str(root), "--case", "C1", "--workers", "0", "--json").json()
    assert again[0]["skipped_done"] == expected and again[0]["locations"] == 0


def test_every_location_names_its_raw_path(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.mkdir()
    _folder_named_like_a_member(root)
    _undecodable_byte_beside_its_escape(root)
    cli("case", "create", "C1", "--title", "t")
    assert cli("ingest", str(root), "--case", "C1", "--workers", "0").code == 0
    plain = [location.split(x) for x in _by_location(cli) if len(location.split(x)) == 1]
    on_disk = {os.fsencode(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert {location.raw_name(parts[0]) for parts in plain} == on_disk


def test_an_item_the_store_refuses_is_recorded_with_its_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import genkend.hashes.ingest_run
    from genkend.hashes.analysis import Analysis
    from genkend.records import Digests

    root = _text_files(tmp_path, ["a.txt", "b.txt", "c.txt"])
    real = genkend.hashes.ingest_run.analyse

    def analyse(task: Any, options: Any) -> Analysis:
        if task.location == "b.txt":  # a content row the store cannot hold (md5 is required)
            return Analysis(task.location, Digests(None, "s", "0" * 64, 5))  # type: ignore[arg-type]
        return real(task, options)

    monkeypatch.setattr(genkend.hashes.ingest_run, "analyse", analyse)
    monkeypatch.setenv("GENKEND_BATCH_SIZE", "10")
    cli("case", "create", "C1", "--title", "t")
    result = cli("ingest", str(root), "--case", "C1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    assert result.json()[0]["locations"] == 3
    found = _by_location(cli)
    assert set(found) == {"a.txt", "b.txt", "c.txt"}
    assert found["b.txt"]["id"] is None
    assert found["b.txt"]["error"].startswith("could not be recorded: NOT NULL constraint")
    assert found["a.txt"]["id"] is not None and found["c.txt"]["id"] is not None


def test_an_item_whose_location_is_taken_is_reported_and_the_batch_kept(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import genkend.hashes.ingest_run
    from genkend.evidence import open_source

    root = _text_files(tmp_path, ["a.txt", "b.txt", "c.txt"])

    class Repeating:
        """A faulty source that lists b.txt twice."""

        def __init__(self, *args: Any) -> None:
            self.inner = open_source(*args)
            self.id, self.root = self.inner.id, self.inner.root

        def items(self) -> Any:
            for item in self.inner.items():
                yield item
                if item.location == "b.txt":
                    yield item

        def open(self, item: Any) -> Any:
            return self.inner.open(item)

    monkeypatch.setattr(genkend.hashes.ingest_run, "open_source", Repeating)
    cli("case", "create", "C1", "--title", "t")
    result = cli("ingest", str(root), "--case", "C1", "--workers", "0", "--json")
    assert result.code == 0, result.err
    (summary,) = result.json()
    assert summary["locations"] == 3 and summary["listed"] == 4
    (unrecorded,) = summary["unrecorded"]
    assert unrecorded.startswith("b.txt: UNIQUE constraint failed")
    listing = cli("media", "list", "--case", "C1", "--json").json()
    assert sorted(loc["location"] for m in listing for loc in m["locations"]) == [
        "a.txt",
        "b.txt",
        "c.txt",
    ]
    (event,) = cli("audit", "show", "--action", "media.add", "--json").json()
    assert event["detail"]["unrecorded"] == [unrecorded]


CRASHING_ANALYSER = """
import os

from genkend.hashes.analysis import analyse as real


def analyse(task, options):
    if task.location == "boom.jpg":  # as a decoder with a memory fault on hostile bytes
        os._exit(11)
    return real(task, options)
"""


def test_a_file_that_kills_its_worker_is_recorded_and_the_run_goes_on(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import genkend.hashes.ingest_run
    from genkend.hashes.digests import digest_bytes

    helper = tmp_path / "helper"
    helper.mkdir()
    (helper / "crashing_analyser.py").write_text(CRASHING_ANALYSER)
    monkeypatch.syspath_prepend(str(helper))  # the spawned workers import it from here
    crashing = importlib.import_module("crashing_analyser")
    monkeypatch.setattr(genkend.hashes.ingest_run, "analyse", crashing.analyse)
    names = ["a.txt", "boom.jpg", "c.txt", "d.txt", "e.txt", "f.txt"]
    root = _text_files(tmp_path, names)
    cli("case", "create", "C1", "--title", "t")
    result = cli("ingest", str(root), "--case", "C1", "--workers", "2", "--no-faces", "--json")
    assert result.code == 0, result.err
    assert result.json()[0]["locations"] == len(names)
    found = _by_location(cli)
    assert set(found) == set(names)
    boom = found["boom.jpg"]
    assert boom["error"] == "analysis crashed its worker process; hashed only"
    assert boom["sha256"] == digest_bytes(b"boom.jpg").sha256  # hash sets still match it
    assert all(
        found[n]["error"] is None and found[n]["kind"] != "image" for n in names if n != "boom.jpg"
    )
