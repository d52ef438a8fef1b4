"""The audit chain, and tampering detected at the right event, on SQLite and PostgreSQL."""

import itertools
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Store

ACTOR = Actor("alice", "ws-1")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    s.upgrade()
    with s.begin() as conn:
        for i in range(1, 6):
            audit.record(conn, ACTOR, "test.event", f"item:{i}", {"n": i, "name": "ø"})
    yield s
    s.dispose()


def _tamper(store: Store, *statements: str) -> None:
    """Change the tables as an attacker with database access would: every guard off."""
    if store.dialect == "postgresql":
        with store.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.exec_driver_sql(statement)
        return
    raw = sqlite3.connect(store.engine.url.database or "")
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        for trigger in (
            "audit_events_no_update",
            "audit_events_no_delete",
            "audit_details_no_update",
        ):
            raw.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            raw.execute(statement)
        raw.commit()
    finally:
        raw.close()


def _verify(store: Store, anchor: tuple[int, str] | None = None) -> audit.Verification:
    with store.read() as conn:
        return audit.verify(conn, anchor)


def test_intact_chain_verifies(store: Store) -> None:
    result = _verify(store)
    assert result.ok and result.count == 5 and result.head_seq == 5
    with store.read() as conn:
        found = list(audit.events(conn))
    assert [e.seq for e in found] == [1, 2, 3, 4, 5]
    assert found[0].prev_digest == audit.GENESIS_DIGEST
    assert all(b.prev_digest == a.digest for a, b in itertools.pairwise(found))
    assert result.head_digest == found[-1].digest
    assert found[2].detail == {"n": 3, "name": "ø"}


def test_digest_covers_every_field() -> None:
    base = ("1", "t", "a", "h", "x", "s", "{}", "0" * 64)
    digest = audit.event_digest(1, *base[1:])
    for i in range(1, len(base)):
        changed = list(base)
        changed[i] = changed[i] + "!"
        assert audit.event_digest(1, *changed[1:]) != digest


@pytest.mark.parametrize(
    ("statements", "bad_seq"),
    [
        (["UPDATE audit_details SET detail = '{\"n\":99}' WHERE seq = 3"], 3),
        (["DELETE FROM audit_details WHERE seq = 4"], 4),
        (["UPDATE audit_events SET actor = 'bob' WHERE seq = 1"], 1),
        (["UPDATE audit_events SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 5"], 5),
        (["DELETE FROM audit_events WHERE seq = 2"], 2),
        (["DELETE FROM audit_events WHERE seq = 1"], 1),
        # an event inserted in the middle: the later ones renumbered to make room
        (
            [
                "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 4",
                "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 100",
                "INSERT INTO audit_events SELECT 4, at, 'mallory', host, action, subject, "
                "detail_sha256, prev_digest, digest FROM audit_events WHERE seq = 3",
            ],
            4,
        ),
        # two events swapped
        (
            [
                "UPDATE audit_events SET seq = 100 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = 100",
            ],
            2,
        ),
    ],
    ids=[
        "edit-detail",
        "detail-removed",
        "edit-actor",
        "edit-time",
        "delete-middle",
        "delete-first",
        "insert",
        "reorder",
    ],
)
def test_tampering_is_found_at_the_right_event(
    store: Store, statements: list[str], bad_seq: int
) -> None:
    _tamper(store, *statements)
    result = _verify(store)
    assert not result.ok
    assert result.first_bad_seq == bad_seq, result.reason


def test_removed_tail_is_found_with_an_anchor(store: Store) -> None:
    head = _verify(store)
    _tamper(store, "DELETE FROM audit_events WHERE seq >= 4")
    assert _verify(store).ok  # the chain alone cannot see a cut tail...
    result = _verify(store, (head.head_seq, head.head_digest))
    assert not result.ok and result.first_bad_seq == 4  # ...the anchor can


def test_anchor_with_other_digest_fails(store: Store) -> None:
    result = _verify(store, (3, "f" * 64))
    assert not result.ok and result.first_bad_seq == 3


def test_events_filter_by_action(store: Store) -> None:
    with store.begin() as conn:
        audit.record(conn, ACTOR, "case.create", "case:X")
    with store.read() as conn:
        assert [e.seq for e in audit.events(conn, action="case.*")] == [6]
        assert [e.seq for e in audit.events(conn, since=4)] == [5, 6]


def test_concurrent_appends_keep_the_chain(store: Store) -> None:
    import threading

    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for _ in range(10):
                with store.begin() as conn:
                    audit.record(conn, ACTOR, "test.thread", f"thread:{n}")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = _verify(store)
    assert result.ok and result.count == 45


def test_erased_details_keep_the_chain_verifiable(store: Store) -> None:
    with store.begin() as conn:
        audit.erase_details(conn, ACTOR, [2, 3], "retention: search logs due")
    result = _verify(store)
    assert result.ok and result.count == 6
    with store.read() as conn:
        found = {e.seq: e for e in audit.events(conn)}
    assert found[2].detail == {"erased": True} and found[1].detail["n"] == 1
    assert found[6].action == "retention.erase" and found[6].detail["audit_details"] == [2, 3]


def test_database_refuses_to_change_a_detail(store: Store) -> None:
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="never changed"), store.begin() as conn:
        conn.execute(text("UPDATE audit_details SET detail = '{}' WHERE seq = 1"))
