"""The trail a page at a time (``audit.newest``), checked against the whole trail in
order (``audit.show``): walking the pages from the newest gives every event in view
exactly once, newest first, for any page size and filter, and each reading is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from genkend.errors import InvalidField
from genkend.records import Actor
from genkend.services import audit
from genkend.services.session import Session
from genkend.workspace import Workspace, open_workspace

from .world import GRANTOR, TESTER, World, build_world


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    world: World = build_world(tmp_path_factory.mktemp("trail"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        opened = open_workspace(world.home, {})
        try:
            yield opened
        finally:
            opened.close()


def _walk(session: Session, limit: int, action: str | None) -> list[int]:
    """Every page's sequence numbers, following ``older`` from the newest page."""
    seen: list[int] = []
    before: int | None = None
    while True:
        page = audit.newest(session, before, action, limit)
        assert len(page.events) <= limit
        seen += [e.seq for e in page.events]
        if page.older is None:
            return seen
        assert page.older == page.events[-1].seq
        before = page.older


@pytest.mark.parametrize("limit", [1, 7, 100])
@pytest.mark.parametrize("action", [None, "case.*", "authorisation.grant", "no.such"])
@pytest.mark.parametrize("reader", [TESTER, GRANTOR])  # an auditor, and a supervisor
def test_pages_give_the_trail_newest_first_exactly_once(
    workspace: Workspace, limit: int, action: str | None, reader: str
) -> None:
    session = Session(workspace, Actor(reader, "test"))
    there = [e.seq for e in audit.show(session, 0, action)]
    walked = _walk(session, limit, action)
    # Each reading is an event: the oracle read after the walk holds the walk's own
    # readings, which are newer than anything its first page showed.
    after = [e.seq for e in audit.show(session, 0, action)]
    assert walked == [s for s in reversed(after) if walked and s <= walked[0]]
    assert set(there) <= set(walked)
    assert (action == "no.such") == (not walked)


def test_each_page_read_is_recorded(workspace: Workspace) -> None:
    session = Session(workspace, Actor(TESTER, "test"))
    page = audit.newest(session, 50, "case.*", 3)
    (reading,) = audit.newest(session, None, "audit.show", 1).events
    assert reading.actor == TESTER
    assert reading.detail == {
        "before": 50,
        "action": "case.*",
        "limit": 3,
        "cases": "all",
        "shown": len(page.events),
    }


@pytest.mark.parametrize(("before", "limit"), [(0, 10), (-3, 10), (None, 0), (None, 1001)])
def test_a_bad_page_is_refused_by_field(
    workspace: Workspace, before: int | None, limit: int
) -> None:
    session = Session(workspace, Actor(TESTER, "test"))
    with pytest.raises(InvalidField) as refused:
        audit.newest(session, before, None, limit)
    assert refused.value.field == ("before" if before is not None else "limit")
