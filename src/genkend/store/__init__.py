"""The store: genkend's database, the single source of truth (DESIGN rule 2).

``Store`` wraps a SQLAlchemy engine for SQLite (default, WAL mode, inside the workspace)
or PostgreSQL, applies Alembic migrations when opened, and hands out transactions.
Invariants: every write happens inside ``Store.begin()``; on SQLite a write transaction
takes the write lock at its start (``BEGIN IMMEDIATE``), so the audit chain's
read-then-append can never interleave with another writer; a database migrated by a
newer genkend is refused, never modified.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection as Connection
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from genkend.errors import SchemaTooNew, StoreError, StoreUnavailable

__all__ = [
    "Connection",
    "Store",
    "normalise_url",
    "sqlite_database",
    "sqlite_url",
]  # Connection: for type hints

SQLITE_FILE = "genkend.sqlite"
CONNECT_TIMEOUT_S = 5
SQLITE_TIMEOUT_S = 60  # how long a write waits for SQLite's single writer
FREE_LOCK_MS = 200  # how long ``begin_if_free`` waits for a PostgreSQL lock


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_url(workspace: Path) -> str:
    return f"sqlite:///{workspace / SQLITE_FILE}"


def sqlite_database(url: str) -> Path | None:
    """The database file a SQLite URL names; None for another database, an in-memory
    one or a URL that does not parse (``Store`` reports it)."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class Store:
    """One database, migrated to the current schema."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = _create_engine(self.url)
        self.dialect = self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SET LOCAL lock_timeout = '60s'"))
                yield conn
        except OperationalError as exc:
            raise _unavailable(self.display_url, exc) from exc

    @contextmanager
    def begin_if_free(self) -> Iterator[Connection | None]:
        """A write transaction if the database takes one at once, else ``None``; for a
        write worth skipping rather than waiting for (a last-use time), so that a request
        never queues behind SQLite's single writer (an ingest) or a row lock for it. A
        lock met inside the transaction rolls it back, silently."""
        with self.engine.connect() as conn:
            self._busy_timeout(conn, 0)
            try:
                try:
                    transaction = conn.begin()
                except OperationalError:
                    yield None
                    return
                try:
                    if self.dialect == "postgresql":
                        conn.execute(text(f"SET LOCAL lock_timeout = '{FREE_LOCK_MS}ms'"))
                    yield conn
                    transaction.commit()
                except OperationalError:
                    transaction.rollback()
            finally:
                self._busy_timeout(conn, SQLITE_TIMEOUT_S * 1000)

    def _busy_timeout(self, conn: Connection, ms: int) -> None:
        """How long SQLite waits for another writer on this connection (outside SQL, so
        that no transaction begins)."""
        if self.dialect == "sqlite":
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
            cursor.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection (no write lock taken on SQLite)."""
        try:
            with self.engine.connect().execution_options(genkend_read_only=True) as conn:
                yield conn
                conn.rollback()
        except OperationalError as exc:
            raise _unavailable(self.display_url, exc) from exc

    def current_revision(self) -> str | None:
        with self.read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        assert head is not None
        return head

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema; returns (revision before, revision after)."""
        before = self.current_revision()
        scripts = ScriptDirectory.from_config(_alembic_config())
        if before is not None and before not in {s.revision for s in scripts.walk_revisions()}:
            raise SchemaTooNew(
                f"the database {self.display_url} has schema revision {before}, written by a "
                "newer genkend; upgrade genkend to open it"
            )
        if before != scripts.get_current_head():
            config = _alembic_config()
            with self.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        return before, self.head_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "genkend.store:migrations")
    return config


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S})
        _sqlite_pragmas(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S}
        return create_engine(url, connect_args=args, pool_pre_ping=True)
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys, and write transactions that lock at BEGIN (SQLAlchemy recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("genkend_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _unavailable(display_url: str, exc: DBAPIError) -> StoreError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if "locked" in reason:
        return StoreError(f"database {display_url} is busy: {reason}")
    return StoreUnavailable(f"cannot reach database {display_url}: {reason}")
