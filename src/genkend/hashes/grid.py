"""The triage grid and the case dashboard: what a grid cell and the dashboard show.

Serves ``services.media.grid`` and ``services.dashboard``. Invariants: a page is read
by keyset (media id), never by offset, and says where the next one starts
(``next_after``, None on the last page); every media item of the case that passes a
filter appears on exactly one page; the dashboard's figures are grouped queries, not a
loop over media.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genkend.errors import InvalidField
from genkend.evidence import location
from genkend.governance import cases
from genkend.store import grid as stored

if TYPE_CHECKING:
    from genkend.store import Connection

FILTERS = stored.FILTERS
MAX_LIMIT = 500


@dataclass(frozen=True)
class GridItem:
    """One cell of the triage grid: a media item as the grid shows it."""

    id: int
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    status: str  # new, known, non_pertinent, near_known
    category: int | None
    faces: int
    file_name: str | None  # of its first location
    error: str | None


@dataclass(frozen=True)
class MediaPage:
    """One page of the grid; ``next_after`` is the ``after`` of the next page, or None."""

    items: list[GridItem]
    next_after: int | None

    def as_dict(self) -> dict[str, Any]:
        """The page as JSON data: ``dataclasses.asdict`` without its deep copy of every
        field, which cost more than the page's query (the items hold only scalars)."""
        return {"items": [dict(vars(item)) for item in self.items], "next_after": self.next_after}


@dataclass(frozen=True)
class IngestRun:
    """One evidence source's run as a progress bar needs it, read while it goes on."""

    source_id: str
    kind: str
    status: str  # running, done, failed, interrupted (stopped, or its process is gone)
    started: str
    finished: str | None
    items: int  # locations recorded so far
    errors: int  # of which could not be read
    error: str | None  # why the run failed or stopped


@dataclass(frozen=True)
class Dashboard:
    """The case's figures by triage state, and its ingest runs."""

    case_id: str
    media: int
    new: int
    known: int
    categorised: int
    near_known: int
    non_pertinent: int
    errors: int  # unreadable locations + media with an error
    unreadable_locations: int
    media_errors: int
    with_faces: int
    faces: int
    clusters: int
    runs: list[IngestRun]


def check_page(filter: str, after: int | None, limit: int) -> None:
    if filter not in FILTERS:
        raise InvalidField("filter", f"must be one of {', '.join(FILTERS)} (got {filter!r})")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidField("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
        raise InvalidField("after", "must be a media id (0 or more)")


def page(conn: Connection, case_id: str, filter: str, after: int | None, limit: int) -> MediaPage:
    """The page of ``limit`` items of the case past media id ``after`` that pass ``filter``."""
    check_page(filter, after, limit)
    rows = stored.page(conn, case_id, filter, after, limit)
    items = [_item(r) for r in rows[:limit]]
    return MediaPage(items, items[-1].id if len(rows) > limit else None)


def _item(r: Any) -> GridItem:
    return GridItem(
        id=int(r.id),
        kind=r.kind,
        mime=r.mime,
        size=int(r.size),
        width=r.width,
        height=r.height,
        status=r.status,
        category=r.category,
        faces=int(r.faces),
        file_name=None if r.location is None else _readable(location.base_name(r.location)),
        error=r.error,
    )


def _readable(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_RUN_STATUS = {"complete": "done"}


def _run_status(row: Any) -> str:
    """The run's state; a ``running`` row whose process is gone reads ``interrupted``."""
    if row.status == "running" and cases.run_alive(row) is False:
        return "interrupted"
    return str(_RUN_STATUS.get(row.status, row.status))


def dashboard(conn: Connection, case_id: str) -> Dashboard:
    by_status = stored.status_counts(conn, case_id)
    media_errors = stored.error_count(conn, case_id)
    unreadable = stored.unreadable_locations(conn, case_id)
    with_faces, faces = stored.face_counts(conn, case_id)
    return Dashboard(
        case_id=case_id,
        media=sum(by_status.values()),
        new=by_status.get("new", 0),
        known=by_status.get("known", 0),
        categorised=stored.categorised_count(conn, case_id),
        near_known=by_status.get("near_known", 0),
        non_pertinent=by_status.get("non_pertinent", 0),
        errors=unreadable + media_errors,
        unreadable_locations=unreadable,
        media_errors=media_errors,
        with_faces=with_faces,
        faces=faces,
        clusters=stored.cluster_count(conn, case_id),
        runs=[
            IngestRun(
                source_id=r.source_id,
                kind=r.kind,
                status=_run_status(r),
                started=r.created_at,
                finished=r.finished_at,
                items=int(r.items),
                errors=int(r.errors),
                error=r.error,
            )
            for r in stored.runs(conn, case_id)
        ],
    )
