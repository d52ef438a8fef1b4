"""Retention and erasure: what is due is erased, the bytes leave the database files, the
audit chain still verifies; a dry run changes nothing; erasing a case removes all of its
content and nothing of another case. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, Table, event, func, insert, select, update

from genkend.clock import to_text, utc_now
from genkend.faces.fake import FakeFaceBackend
from genkend.governance import audit, cases, retention
from genkend.records import Actor
from genkend.store import SQLITE_FILE, Store
from genkend.store.schema import (
    audit_details,
    authorisations,
    candidates,
    case_members,
    cluster_constraints,
    clusters,
    evidence_sources,
    faces,
    gallery_identities,
    hash_hits,
    hash_set_entries,
    hash_sets,
    media,
    media_locations,
    metadata,
    review_decisions,
    similar_media,
)
from genkend.store.schema import cases as cases_table

TESTER = Actor("tester", "test-host")
OLD = to_text(utc_now() - timedelta(days=400))
NEW = to_text(utc_now() - timedelta(days=10))
MID = to_text(utc_now() - timedelta(days=100))
OLDEST = to_text(utc_now() - timedelta(days=500))
FUTURE = to_text(utc_now() + timedelta(days=30))
PERIODS = {
    "GENKEND_RETENTION_FACE_EMBEDDINGS_DAYS": "30",
    "GENKEND_RETENTION_FACE_THUMBNAILS_DAYS": "30",
    "GENKEND_RETENTION_SEARCH_LOGS_DAYS": "183",
}


def marker(case_id: str, what: str) -> bytes:
    """A byte string found nowhere else, to look for in the database files."""
    return f"<{what}-OF-{case_id}-GENKEND-MARK>".encode()


def embedding(case_id: str, what: str) -> bytes:
    return marker(case_id, what).ljust(64, b"#") * 8  # 512 bytes, like 128 float32


def thumbnail(case_id: str, what: str) -> bytes:
    return marker(case_id, what) * 200  # several pages: SQLite overflow pages


def _search_event(
    conn: Any, case_id: str, authorisation: int, at: str, what: str, monkeypatch: Any
) -> int:
    """A gallery search recorded at ``at`` (the chain orders events, not their times)."""
    with monkeypatch.context() as patch:
        patch.setattr(audit, "utc_now_text", lambda: at)
        event = audit.record(
            conn,
            TESTER,
            "search.gallery",
            f"case:{case_id}",
            {
                "purpose": "identify",
                "legal_basis": "warrant",
                "authorisation_id": authorisation,
                "started_at": at,
                "input": {"file": marker(case_id, what).decode()},
                "results": [{"id": 1}],
            },
        )
    return int(event.seq)


def seed(url: str, case_id: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """One case with a row in every content table: an old face and a new one, an old
    search log and a recent one, a candidate with decisions; returns their ids."""
    store = Store(url)
    cases.create(store, TESTER, case_id, marker(case_id, "TITLE").decode())
    with store.begin() as conn:

        def add(table: Table, **values: Any) -> int:
            return int(
                conn.execute(
                    insert(table).values(**values).returning(table.c[_pk(table)])
                ).scalar_one()
            )

        source = add(
            evidence_sources,
            case_id=case_id,
            source_id="phone",
            root="/seized/" + marker(case_id, "ROOT").decode(),
            kind="directory",
            status="done",
            created_at=OLD,
            created_by="tester",
        )
        audit.record(
            conn,
            TESTER,
            "evidence.register",
            f"source:{case_id}/phone",
            {"root": marker(case_id, "ROOT").decode()},
        )
        pictures = [
            add(
                media,
                case_id=case_id,
                sha256=f"{case_id}{i}".ljust(64, "0"),
                sha1="1" * 40,
                md5="2" * 32,
                size=10,
                mime="image/png",
                kind="image",
                status="new",
                created_at=OLD,
            )
            for i in range(2)
        ]
        for i, picture in enumerate(pictures):
            add(
                media_locations,
                source_pk=source,
                location=f"DCIM/{i}-" + marker(case_id, "LOCATION").decode(),
                media_id=picture,
                depth=0,
                created_at=OLD,
            )
        add(
            similar_media,
            media_id=pictures[0],
            other_id=pictures[1],
            method="pdq",
            distance=3,
            threshold=31,
        )
        hash_set = add(
            hash_sets,
            name=f"set-{case_id}",
            format="plain",
            profile="md5",
            file_name="x",
            file_sha256="0" * 64,
            entries=1,
            problems=0,
            imported_at=OLD,
            imported_by="tester",
        )
        entry = add(hash_set_entries, hash_set_id=hash_set, md5="2" * 32, non_pertinent=False)
        add(hash_hits, media_id=pictures[0], entry_id=entry, method="md5", distance=0, threshold=0)
        cluster = add(
            clusters,
            case_id=case_id,
            label="Child A",
            confirmed=True,
            created_at=OLD,
            updated_at=OLD,
        )
        face_ids = {}
        for what, created in (("OLD", OLD), ("NEW", NEW)):
            face_ids[what] = add(
                faces,
                case_id=case_id,
                media_id=pictures[0],
                backend="fake:test",
                x1=0,
                y1=0,
                x2=10,
                y2=10,
                landmarks="[]",
                score=1.0,
                quality=1.0,
                quality_detail="{}",
                embedding=embedding(case_id, f"EMB-{what}"),
                thumbnail=thumbnail(case_id, f"THUMB-{what}"),
                cluster_id=cluster,
                created_at=created,
            )
        add(
            cluster_constraints,
            case_id=case_id,
            kind="cannot",
            face_a=face_ids["OLD"],
            face_b=face_ids["NEW"],
            created_at=OLD,
            created_by="tester",
        )
        identity = add(
            gallery_identities,
            label=f"Known-{case_id}",
            status="identified",
            provenance="test",
            notes="",
            created_at=OLD,
            created_by="tester",
        )
        authorisation = add(
            authorisations,
            case_id=case_id,
            authority="court",
            reference="W-1",
            scope="gallery-search",
            granted_at=OLDEST,
            valid_until=FUTURE,
            status="granted",
            note="",
            recorded_at=OLDEST,
            recorded_by="a.supervisor",
        )
        old_search = _search_event(conn, case_id, authorisation, OLD, "PROBE-OLD", monkeypatch)
        mid_search = _search_event(conn, case_id, authorisation, MID, "PROBE-MID", monkeypatch)
        candidate_ids = [
            add(
                candidates,
                case_id=case_id,
                identity_id=identity,
                face_id=face_ids["OLD"],
                probe="p",
                distance=0.1,
                max_distance=0.6,
                backend="fake:test",
                search_seq=old_search,
                authorisation_id=authorisation,
                status="open",
                deletion_due=False,
                created_at=OLD,
            )
            for _ in range(2)
        ]
        for candidate in candidate_ids:
            for reviewer in ("r1", "r2"):
                add(
                    review_decisions,
                    candidate_id=candidate,
                    reviewer=reviewer,
                    role="first",
                    outcome="confirmed",
                    note="",
                    decided_at=OLD,
                )
    store.dispose()
    return {
        "face_old": face_ids["OLD"],
        "face_new": face_ids["NEW"],
        "search_old": old_search,
        "search_mid": mid_search,
        "candidate_0": candidate_ids[0],
        "candidate_1": candidate_ids[1],
    }


def _pk(table: Table) -> str:
    return next(iter(table.primary_key.columns)).name


@pytest.fixture
def periods(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PERIODS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def db(cli: Any, store_url: str) -> Iterator[str]:
    """A migrated database with the tester account, on SQLite and on PostgreSQL."""
    assert cli("--db", store_url, "retention", "run", "--dry-run").code == 0
    yield store_url


_STORES: dict[str, Store] = {}


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    while _STORES:
        _STORES.popitem()[1].dispose()


def _store(url: str) -> Store:
    """One store per database and test, for the many counts a test makes."""
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


def _rows(url: str, table: Table, *where: Any) -> int:
    with _store(url).read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    store = Store(url)
    try:
        with store.read() as conn:
            return {
                t.name: sorted(tuple(map(repr, r)) for r in conn.execute(select(t)))
                for t in metadata.sorted_tables
            }
    finally:
        store.dispose()


def _verify(cli: Any, *db_args: str) -> None:
    result = cli(*db_args, "audit", "verify", "--json")
    assert result.code == 0, result.out + result.err
    assert result.json()["ok"] is True


def _db_bytes(home: Path) -> bytes:
    return b"".join(
        (home / name).read_bytes()
        for name in (SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm")
        if (home / name).exists()
    )


# ---------------------------------------------------------------- settings


def test_search_logs_must_be_kept_six_months(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENKEND_RETENTION_SEARCH_LOGS_DAYS", "100")
    result = cli("settings")
    assert result.code == 1 and "Art. 26(6)" in result.err and "183" in result.err
    monkeypatch.setenv("GENKEND_RETENTION_SEARCH_LOGS_DAYS", "0")
    monkeypatch.setenv("GENKEND_RETENTION_FACE_EMBEDDINGS_DAYS", "-1")
    assert cli("settings").code == 1
    monkeypatch.setenv("GENKEND_RETENTION_FACE_EMBEDDINGS_DAYS", "0")
    rows = {r["name"]: r for r in cli("settings", "--json").json()["settings"]}
    assert rows["retention_search_logs_days"]["value"] == 0
    assert rows["retention_face_embeddings_days"]["value"] == 0


def test_id_ranges() -> None:
    assert retention.id_ranges([7, 1, 3, 2, 9, 8]) == ((1, 3), (7, 9))
    assert retention.id_ranges([]) == ()


# ---------------------------------------------------------------- retention run


def test_dry_run_changes_nothing(
    cli: Any, db: str, periods: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(db, "C1", monkeypatch)
    before = _snapshot(db)
    report = cli("--db", db, "retention", "run", "--dry-run", "--json").json()
    due = {e["kind"]: e for e in report["erasures"]}
    assert report["dry_run"] and report["compaction"] is None
    assert due["face_embeddings"]["ids"] == [[ids["face_old"], ids["face_old"]]]
    assert due["face_thumbnails"]["count"] == 1
    assert due["search_logs"]["ids"] == [[ids["search_old"], ids["search_old"]]]
    assert due["due_candidates"]["count"] == 0
    assert _snapshot(db) == before


def test_retention_run_respects_periods(
    cli: Any, db: str, periods: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(db, "C1", monkeypatch)
    monkeypatch.setenv("GENKEND_RETENTION_FACE_THUMBNAILS_DAYS", "0")  # keep thumbnails
    result = cli("--db", db, "retention", "run", "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["kept"] == ["face_thumbnails"] and report["compaction"]["complete"]
    assert {e["kind"]: e["count"] for e in report["erasures"]} == {
        "face_embeddings": 1,
        "search_logs": 1,
        "due_candidates": 0,
    }
    # only the old face lost its embedding; both kept their thumbnails and their rows
    assert _rows(db, faces, faces.c.embedding.is_(None)) == 1
    assert _rows(db, faces, faces.c.embedding.is_(None), faces.c.id == ids["face_old"]) == 1
    assert _rows(db, faces, faces.c.thumbnail.is_not(None)) == 2
    # the 400-day-old search log lost its detail, the 100-day-old one (< 183) kept it
    assert _rows(db, audit_details, audit_details.c.seq == ids["search_old"]) == 0
    assert _rows(db, audit_details, audit_details.c.seq == ids["search_mid"]) == 1
    shown = cli("--db", db, "audit", "show", "--action", "retention.*", "--json").json()
    runs = {e["detail"]["kind"]: e["detail"] for e in shown if e["action"] == "retention.run"}
    assert runs["face_embeddings"]["ids"] == [[ids["face_old"], ids["face_old"]]]
    assert runs["search_logs"]["count"] == 1 and "face_thumbnails" not in runs
    erase = next(e for e in shown if e["action"] == "retention.erase")
    assert erase["detail"]["audit_details"] == [ids["search_old"]]
    _verify(cli, "--db", db)
    # a second run finds nothing left to erase
    again = cli("--db", db, "retention", "run", "--json").json()
    assert all(e["count"] == 0 for e in again["erasures"]) and again["compaction"] is None


def test_candidates_due_for_deletion_are_erased(
    cli: Any, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(db, "C1", monkeypatch)
    store = Store(db)
    with store.begin() as conn:
        conn.execute(
            update(candidates)
            .where(candidates.c.id == ids["candidate_0"])
            .values(deletion_due=True)
        )
    store.dispose()
    report = cli("--db", db, "retention", "run", "--json").json()
    (erasure,) = [e for e in report["erasures"] if e["kind"] == "due_candidates"]
    assert erasure["ids"] == [[ids["candidate_0"], ids["candidate_0"]]]
    assert _rows(db, candidates) == 1 and _rows(db, review_decisions) == 2
    assert _rows(db, review_decisions, review_decisions.c.candidate_id == ids["candidate_0"]) == 0
    event = cli("--db", db, "audit", "show", "--action", "retention.run", "--json").json()
    detail = next(e["detail"] for e in event if e["detail"]["kind"] == "due_candidates")
    assert detail["dependent_rows"] == {"review_decisions": 2}
    _verify(cli, "--db", db)


def test_retention_needs_an_admin(cli: Any) -> None:
    assert cli("user", "add", "ivy", "--role", "investigator").code == 0
    refused = cli("--user", "ivy", "retention", "run")
    assert refused.code == 1 and "admin" in refused.err
    denied = cli("audit", "show", "--action", "access.denied", "--json").json()
    assert denied[-1]["detail"]["action"] == "retention run"


@pytest.fixture
def secure_delete_off() -> Iterator[None]:
    """SQLite as most builds ship it: freed space keeps its bytes (Debian's build zeroes
    it by default, which would hide a missing ``secure_delete`` or ``VACUUM``)."""

    def off(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA secure_delete = OFF")

    event.listen(Engine, "connect", off)
    yield
    event.remove(Engine, "connect", off)


def test_erased_bytes_leave_the_sqlite_files(
    cli: Any, home: Path, periods: None, secure_delete_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The done-when of the issue: after a run the erased embedding, thumbnail and search
    log are nowhere in the database files (-wal and -shm included); the chain verifies."""
    assert cli("retention", "run", "--dry-run").code == 0
    seed(f"sqlite:///{home / SQLITE_FILE}", "C1", monkeypatch)
    (home / "indexes").mkdir(exist_ok=True)
    cached = home / "indexes" / "case-C1.faiss"
    cached.write_bytes(embedding("C1", "EMB-OLD"))
    erased = [marker("C1", w) for w in ("EMB-OLD", "THUMB-OLD", "PROBE-OLD")]
    kept = [marker("C1", w) for w in ("EMB-NEW", "THUMB-NEW", "PROBE-MID")]
    before = _db_bytes(home)
    assert all(m in before for m in erased + kept)
    result = cli("retention", "run", "--json")
    assert result.code == 0, result.err
    assert result.json()["derived_removed"] == 1 and not cached.exists()
    after = _db_bytes(home)
    assert [m for m in erased if m in after] == []
    assert all(m in after for m in kept)
    _verify(cli)


# ---------------------------------------------------------------- erasing a case


CONTENT = (
    evidence_sources,
    media,
    media_locations,
    hash_hits,
    similar_media,
    clusters,
    faces,
    cluster_constraints,
    candidates,
    review_decisions,
    case_members,
)


def _content_of(url: str, case_id: str) -> dict[str, int]:
    """Rows per content table that belong to the case (directly or through media)."""
    in_case = select(media.c.id).where(media.c.case_id == case_id)
    of_case = {
        media_locations: media_locations.c.media_id.in_(in_case),
        hash_hits: hash_hits.c.media_id.in_(in_case),
        similar_media: similar_media.c.media_id.in_(in_case),
        review_decisions: review_decisions.c.candidate_id.in_(
            select(candidates.c.id).where(candidates.c.case_id == case_id)
        ),
    }
    counts = {}
    for table in CONTENT:
        where = of_case.get(table)
        counts[table.name] = _rows(
            url, table, table.c.case_id == case_id if where is None else where
        )
    return counts


def test_erase_case_removes_its_content_only(
    cli: Any, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(db, "A", monkeypatch)
    seed(db, "B", monkeypatch)
    b_before = _content_of(db, "B")
    assert all(b_before.values()) and _content_of(db, "A") == b_before
    assert cli("--db", db, "retention", "erase-case", "A", "--reason", "x").code == 2  # no --yes
    result = cli(
        "--db", db, "retention", "erase-case", "A", "--reason", "court order 12", "--yes", "--json"
    )
    assert result.code == 0, result.err
    done = result.json()
    assert done["compaction"]["complete"] and done["search_logs_kept"] == 1
    assert done["rows"]["faces"] == 2 and done["rows"]["review_decisions"] == 4
    assert all(n == 0 for n in _content_of(db, "A").values())
    assert _content_of(db, "B") == b_before
    # what an audit needs stays: the case's id, its authorisation, its chain
    case = cli("--db", db, "case", "show", "A", "--json").json()
    assert (case["status"], case["title"], case["description"]) == ("erased", "(erased)", "")
    assert _rows(db, authorisations, authorisations.c.case_id == "A") == 1
    assert _rows(db, cases_table) == 2
    _verify(cli, "--db", db)
    events = cli("--db", db, "audit", "show", "--json").json()
    by_seq = {e["seq"]: e for e in events}
    erase = next(e for e in events if e["action"] == "case.erase")
    assert erase["subject"] == "case:A" and erase["detail"]["reason"] == "court order 12"
    creations = [e for e in events if e["action"] == "case.create"]
    assert [e["detail"] for e in creations if e["subject"] == "case:A"] == [{"erased": True}]
    assert [e["detail"]["title"] for e in creations if e["subject"] == "case:B"]
    # the recent search log outlives the case (Art. 26(6)); the old one is gone
    assert by_seq[ids["search_mid"]]["detail"]["results"] == [{"id": 1}]
    assert by_seq[ids["search_old"]]["detail"] == {"erased": True}
    assert cli("--db", db, "retention", "erase-case", "A", "--reason", "y", "--yes").code == 2
    assert cli("--db", db, "retention", "erase-case", "Z", "--reason", "y", "--yes").code == 1


def test_erase_case_needs_a_member_admin_or_supervisor(cli: Any) -> None:
    assert cli("case", "create", "C1", "--title", "t").code == 0
    assert cli("user", "add", "ivy", "--role", "investigator").code == 0
    assert cli("case", "member", "add", "C1", "ivy").code == 0
    refused = cli("--user", "ivy", "retention", "erase-case", "C1", "--reason", "x", "--yes")
    assert refused.code == 1 and "supervisor" in refused.err
    assert cli("case", "show", "C1", "--json").json()["status"] == "open"
    assert cli("user", "add", "sam", "--role", "supervisor").code == 0
    refused = cli("--user", "sam", "retention", "erase-case", "C1", "--reason", "x", "--yes")
    assert refused.code == 1 and "not a member of case C1" in refused.err
    assert cli("case", "member", "add", "C1", "sam").code == 0
    done = cli("--user", "sam", "retention", "erase-case", "C1", "--reason", "x", "--yes")
    assert done.code == 0, done.err


def test_erase_ingested_case_leaves_no_bytes(
    cli: Any, home: Path, tmp_path: Path, secure_delete_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case made by the real pipeline (fake faces): after erasure nothing of it is left
    in any table that refers to the case, nor in the database files."""
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    fake = FakeFaceBackend()
    evidence = tmp_path / "evidence-ZQXJ"
    evidence.mkdir()
    for i, who in enumerate(("alice", "bob", "alice")):
        buf = io.BytesIO()
        Image.fromarray(fake.canvas(320, 240, [(who, 40 + 20 * i, 40, 100)])).save(buf, "PNG")
        (evidence / f"picture-{i}-KWYZ.png").write_bytes(buf.getvalue())
    for case_id in ("E1", "E2"):
        assert cli("case", "create", case_id, "--title", f"title-of-{case_id}-PLMQ").code == 0
    for case_id in ("E1", "E2"):
        ingest = cli("ingest", str(evidence), "--case", case_id, "--workers", "0")
        assert ingest.code == 0, ingest.err
        assert cli("faces", "cluster", "--case", case_id).code == 0
    url = f"sqlite:///{home / SQLITE_FILE}"
    assert _rows(url, faces, faces.c.case_id == "E1") == 3
    e2_before = _content_of(url, "E2")
    result = cli("retention", "erase-case", "E1", "--reason", "retention ended", "--yes")
    assert result.code == 0, result.err
    for table in metadata.sorted_tables:
        if "case_id" in table.c and table.name not in retention.KEPT_TABLES:
            assert _rows(url, table, table.c.case_id == "E1") == 0, table.name
    assert _content_of(url, "E2") == e2_before
    data = _db_bytes(home)
    assert b"title-of-E1-PLMQ" not in data and b"title-of-E2-PLMQ" in data
    _verify(cli)
