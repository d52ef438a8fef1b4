"""Evidence verifications in the store, on SQLite and PostgreSQL: the baseline is the
first verification that read the whole evidence, and rows are listed with their source."""

from __future__ import annotations

from typing import Any

from genkend.store import Store, verifications
from genkend.store import cases as case_store
from genkend.store import evidence as evidence_store

AT = "2026-01-02T03:04:05.000000Z"


def _source(conn: Any, source_id: str) -> int:
    return evidence_store.add(
        conn, case_id="C", source_id=source_id, root=f"/e/{source_id}", kind="file",
        status="complete", created_at=AT, created_by="t",
    )  # fmt: skip


def _verification(conn: Any, source_pk: int, **values: Any) -> int:
    row = {
        "case_id": "C", "source_pk": source_pk, "stage": "check", "verified_at": AT,
        "verified_by": "t", "container": "raw", "scope": "media-data", "bytes": 10,
        "sha256": "a" * 64, "md5": "b" * 32, "sha1": "c" * 40, "match": None,
    }  # fmt: skip
    return verifications.add(conn, **{**row, **values})


def test_baseline_and_listing(store: Store) -> None:
    with store.begin() as conn:
        case_store.insert_case(
            conn, {"id": "C", "title": "t", "description": "", "created_at": AT,
                   "created_by": "t", "status": "open"},
        )  # fmt: skip
        one, two = _source(conn, "one"), _source(conn, "two")
        _verification(conn, one, container="unreadable", sha256=None, error="cut", match=False)
        first = _verification(conn, one, stage="before-ingest", bytes=2**40)
        _verification(conn, one, sha256="d" * 64, match=False)
        _verification(conn, two, match=True)
    with store.read() as conn:
        baseline = verifications.baseline(conn, one)
        assert baseline is not None and baseline.id == first
        assert (baseline.stage, baseline.bytes) == ("before-ingest", 2**40)
        listed = verifications.of_case(conn, "C")
        assert [r.source_id for r in listed] == ["one", "one", "one", "two"]
        assert [r.match for r in listed] == [False, None, False, True]
        assert [r.source_id for r in verifications.of_case(conn, "C", "two")] == ["two"]
        assert verifications.baseline(conn, 999) is None
