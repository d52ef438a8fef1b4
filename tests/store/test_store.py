"""The store contract: runs on SQLite and on a real PostgreSQL server."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from genkend.errors import SchemaTooNew, StoreError, StoreUnavailable
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Store
from genkend.store.schema import metadata

ACTOR = Actor("tester", "host")


def test_migrations_reach_head_and_match_schema(store: Store) -> None:
    assert store.current_revision() == store.head_revision()
    with store.read() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []


def test_upgrade_is_idempotent(store: Store) -> None:
    head = store.head_revision()
    assert store.upgrade() == (head, head)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'mallory'",
        "DELETE FROM audit_events",
    ],
)
def test_database_refuses_changes_to_audit_events(store: Store, statement: str) -> None:
    with store.begin() as conn:
        audit.record(conn, ACTOR, "test.event", "subject")
    with pytest.raises(DBAPIError, match="append-only"), store.begin() as conn:
        conn.execute(text(statement))
    with store.read() as conn:
        assert [e.actor for e in audit.events(conn)] == ["tester"]


def test_schema_written_by_newer_genkend_is_refused(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaTooNew, match="9999"):
        store.upgrade()


def test_failed_transaction_leaves_no_trace(store: Store) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        audit.record(conn, ACTOR, "test.event", "subject")
        raise RuntimeError("boom")
    with store.read() as conn:
        assert audit.count(conn) == 0


def test_unreachable_database_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = Store(f"postgresql://nobody:secret@127.0.0.1:{port}/none")
    with pytest.raises(StoreUnavailable) as caught:
        store.upgrade()
    assert "cannot reach database" in str(caught.value)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url"])
def test_unsupported_url(url: str) -> None:
    with pytest.raises(StoreError):
        Store(url)


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    store.upgrade()
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose()
