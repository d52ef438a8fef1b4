"""Where a location lies in its file system, and a source's summary, on SQLite and
PostgreSQL.

The origin columns are booleans and 64-bit integers (a partition's byte offset on a
disk of several TB, an NTFS reference) that each dialect stores its own way, and the
summary queries count with a filter and group by an expression; both dialects must
read back the same values.
"""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from genkend.store import Store
from genkend.store import evidence as evidence_store
from genkend.store import media as media_store
from genkend.store.schema import cases, evidence_sources

AT = "2026-01-02T03:04:05.000000Z"
FAR = 5 * 2**40 + 512  # a byte offset beyond 4 TB: needs 64 bits
ORIGIN = {
    "file_system": "ntfs",
    "fs_path": "/Users/a/Pictures/gone.jpg",
    "partition": "2",
    "partition_offset": FAR,
    "address": 2**48 + 7,
    "deleted": True,
    "reallocated": True,
    "fs_modified": "2020-01-02T03:04:05.000000Z",
    "fs_accessed": "2020-01-03T03:04:05.000000Z",
    "fs_changed": "2020-01-04T03:04:05.000000Z",
    "fs_created": "2019-12-31T23:59:59.000000Z",
}


def _source(store: Store) -> int:
    with store.begin() as conn:
        conn.execute(insert(cases).values(id="C", title="t", created_at=AT, created_by="x"))
        return evidence_store.add(
            conn,
            case_id="C",
            source_id="disk",
            root="/evidence/disk.E01",
            kind="file",
            status="running",
            created_at=AT,
            created_by="x",
        )


def _media(conn: object, sha: str, size: int, kind: str, error: str | None = None) -> int:
    return media_store.add(
        conn,  # type: ignore[arg-type]
        case_id="C",
        sha256=sha * 64,
        sha1=sha * 40,
        md5=sha * 32,
        size=size,
        mime="image/jpeg",
        kind=kind,
        status="new",
        error=error,
        created_at=AT,
    )


def _location(source_pk: int, where: str, media_id: int | None, **more: object) -> dict:
    return {
        "source_pk": source_pk,
        "location": where,
        "media_id": media_id,
        "depth": 0,
        "created_at": AT,
        **more,
    }


def test_origin_columns_read_back_as_written(store: Store) -> None:
    source_pk = _source(store)
    with store.begin() as conn:
        picture = _media(conn, "a", 1000, "image")
        media_store.add_location(conn, **_location(source_pk, "p2/gone.jpg", picture, **ORIGIN))
        media_store.add_location(conn, **_location(source_pk, "plain.jpg", picture))
        media_store.add_location(
            conn, **_location(source_pk, "p2/bad.jpg", None, error="x", **ORIGIN)
        )
    with store.read() as conn:
        read, plain = media_store.locations_of(conn, [picture])
        (unread,) = media_store.unread_locations(conn, "C")
    for row in (read, unread):
        assert {name: getattr(row, name) for name in ORIGIN} == ORIGIN
    assert plain.file_system is None and plain.deleted is None and plain.partition_offset is None


def test_a_sources_summary_counts_kinds_deleted_errors_and_bytes(store: Store) -> None:
    source_pk = _source(store)
    with store.begin() as conn:
        picture = _media(conn, "a", 1000, "image")
        broken = _media(conn, "b", 300, "image", error="image/jpeg does not decode: broken")
        video = _media(conn, "c", 5000, "video")
        rows = [
            _location(source_pk, "a.jpg", picture, **ORIGIN),
            _location(source_pk, "copy-of-a.jpg", picture, deleted=False),
            _location(source_pk, "b.jpg", broken),
            _location(source_pk, "v.mp4", video, **{**ORIGIN, "reallocated": False}),
            _location(source_pk, "gone.jpg", None, error="could not be read: I/O"),
            _location(source_pk, "gone2.jpg", None, error="could not be read: I/O"),
        ]
        for row in rows:
            media_store.add_location(conn, **row)
    with store.read() as conn:
        assert media_store.source_totals(conn, source_pk) == (6, 2, 1000 + 1000 + 300 + 5000)
        assert media_store.kinds_of_source(conn, source_pk) == {
            "image": 3,
            "video": 1,
            "unreadable": 2,
        }
        assert sorted(media_store.source_error_counts(conn, source_pk)) == [
            ("could not be read: I/O", 2),
            ("image/jpeg does not decode: broken", 1),
        ]
        manifest = sorted(media_store.source_manifest(conn, source_pk))
    assert manifest[0] == ("a.jpg", "a" * 64) and ("gone.jpg", None) in manifest
    assert len(manifest) == 6


def test_a_sources_hash_and_summary_are_stored_with_it(store: Store) -> None:
    source_pk = _source(store)
    summary = {"items": 3, "errors_by_kind": {"corrupt": 1}}
    with store.begin() as conn:
        evidence_store.update_run(
            conn,
            source_pk,
            status="complete",
            root_sha256="f" * 64,
            root_hash_scope="image",
            summary=json.dumps(summary),
        )
    with store.read() as conn:
        row = conn.execute(select(evidence_sources)).one()
    assert (row.root_sha256, row.root_hash_scope) == ("f" * 64, "image")
    assert json.loads(row.summary) == summary
