"""The recorder stores an item's origin as the source gave it, on SQLite and PostgreSQL;
a file-system time without a time zone is left out with a note, never guessed.

A real store and the real recorder; the item is what a disk source gives for a file whose
bytes could not be read (no content, its origin still recorded).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from genkend.hashes.analysis import Analysis
from genkend.hashes.recorder import Recorder
from genkend.hashes.triage import Triage
from genkend.records import FileSystemEntry, MediaItem
from genkend.store import Store
from genkend.store import evidence as evidence_store
from genkend.store import media as media_store
from genkend.store.schema import cases

AT = "2026-01-02T03:04:05.000000Z"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made = Store(store_url)
    made.upgrade()
    yield made
    made.dispose()


def test_an_items_origin_is_stored_and_a_naive_time_left_out(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(insert(cases).values(id="C", title="t", created_at=AT, created_by="x"))
        source_pk = evidence_store.add(
            conn,
            case_id="C",
            source_id="disk",
            root="/e/disk.img",
            kind="file",
            status="running",
            created_at=AT,
            created_by="x",
        )
        triage = Triage(conn, "C", 31, 50)
    origin = FileSystemEntry(
        file_system="hfs+",
        path="/Users/a/gone.jpg",
        partition="p2",
        partition_offset=409640 * 512,
        address=2**40 + 3,
        deleted=True,
        modified=datetime(2020, 1, 2, 3, 4, 5),  # no time zone: which one is unknown
        created=datetime(2019, 6, 7, 8, 9, 10, tzinfo=UTC),
    )
    error = "file could not be read: cluster chain ends early"
    item = MediaItem("disk", "p2/Users/a/gone.jpg", 100, None, error=error, origin=origin)
    with store.begin() as conn:
        counts = Recorder("C", source_pk, triage).write(
            conn, [(item, Analysis(item.location, read_error=error))]
        )
    assert counts.locations == 1 and counts.errors == 1
    with store.read() as conn:
        (row,) = media_store.unread_locations(conn, "C")
    assert (row.file_system, row.fs_path, row.partition) == ("hfs+", "/Users/a/gone.jpg", "p2")
    assert (row.partition_offset, row.address) == (409640 * 512, 2**40 + 3)
    assert row.deleted is True and row.reallocated is False
    assert row.fs_created == "2019-06-07T08:09:10.000000Z"
    assert row.fs_modified is None and row.fs_accessed is None
    assert "file-system modified time has no time zone; left out" in json.loads(row.notes)
    assert row.error == error
