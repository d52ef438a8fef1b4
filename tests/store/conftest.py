"""The store contract suite's one fixture: a migrated store on each dialect in turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from genkend.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh database at the current schema: SQLite, then a real PostgreSQL."""
    s = Store(store_url)
    s.upgrade()
    yield s
    s.dispose()
