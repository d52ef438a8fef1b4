"""``Store.begin_if_free``: a skippable write never waits for another writer."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from genkend.store import Store


def _store(url: str) -> Store:
    store = Store(url)
    with store.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return store


def _values(store: Store) -> list[int]:
    with store.read() as conn:
        return [row.x for row in conn.execute(text("SELECT x FROM t ORDER BY x"))]


def test_free_store_commits(store_url: str) -> None:
    store = _store(store_url)
    with store.begin_if_free() as conn:
        assert conn is not None
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert _values(store) == [1]
    store.dispose()


def test_busy_sqlite_store_is_skipped_at_once_and_waits_again_after(tmp_path: Path) -> None:
    store = _store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(30)
    started = time.perf_counter()
    with store.begin_if_free() as conn:
        skipped = conn is None
    waited = time.perf_counter() - started
    release.set()
    thread.join()
    assert skipped and waited < 5  # a write would have waited up to 60 s
    with store.engine.connect() as conn:  # the connection waits for writers again
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 60_000
    assert _values(store) == [2]
    store.dispose()
