"""The triage grid's keyset pages and the dashboard's figures, on SQLite and PostgreSQL.

A case of 61 media with every triage state, errors and faces, beside another case whose
media must never show: each filter, paged 7 at a time, visits exactly the items that
pass it, once each, in id order; the figures match the rows.
"""

import os
import socket
from typing import Any

import psutil
import pytest
from sqlalchemy import insert, update

from genkend.errors import InvalidField
from genkend.hashes import grid
from genkend.store import Store
from genkend.store.schema import cases, evidence_sources, faces, media, media_locations

AT = "2026-01-02T03:04:05.000000Z"
STATUSES = ("new", "known", "non_pertinent", "near_known")


def _media(i: int, case_id: str) -> dict[str, Any]:
    status = STATUSES[i % 4]
    return {
        "case_id": case_id,
        "sha256": f"{case_id}{i:062d}"[:64],
        "sha1": "b" * 40,
        "md5": "c" * 32,
        "size": i,
        "mime": "image/png",
        "kind": "image",
        "status": status,
        "category": (i % 3) if status == "known" and i % 8 else None,
        "error": "truncated" if i % 10 == 3 else None,
        "created_at": AT,
    }


def _build(store: Store) -> list[dict[str, Any]]:
    """Case C (61 media, faces on every fifth) and case D (5 media, all with faces)."""
    made = []
    with store.begin() as conn:
        for case_id in ("C", "D"):
            conn.execute(insert(cases).values(id=case_id, title="t", created_at=AT, created_by="x"))
            source = conn.execute(
                insert(evidence_sources)
                .values(
                    case_id=case_id,
                    source_id="s",
                    root="/nowhere",
                    kind="folder",
                    status="running",  # held by this live process, as during an ingest
                    run_host=socket.gethostname(),
                    run_pid=os.getpid(),
                    run_process_started=psutil.Process().create_time(),
                    created_at=AT,
                    created_by="x",
                )
                .returning(evidence_sources.c.id)
            ).scalar_one()
            for i in range(61 if case_id == "C" else 5):
                row = _media(i, case_id)
                row["id"] = conn.execute(
                    insert(media).values(**row).returning(media.c.id)
                ).scalar_one()
                conn.execute(
                    insert(media_locations).values(
                        source_pk=source,
                        location=f"dir/f{i}.png",
                        media_id=row["id"],
                        size=i,
                        depth=0,
                        created_at=AT,
                    )
                )
                row["faces"] = 2 if case_id == "D" or i % 5 == 0 else 0
                for k in range(row["faces"]):
                    conn.execute(
                        insert(faces).values(
                            case_id=case_id,
                            media_id=row["id"],
                            backend="fake",
                            x1=k,
                            y1=0,
                            x2=k + 1,
                            y2=1,
                            landmarks="[]",
                            score=1.0,
                            quality=1.0,
                            quality_detail="{}",
                            created_at=AT,
                        )
                    )
                if case_id == "C":
                    made.append(row)
            conn.execute(
                insert(media_locations).values(
                    source_pk=source,
                    location="dir/broken.png",
                    media_id=None,
                    depth=0,
                    error="unreadable",
                    created_at=AT,
                )
            )
    return made


PASSES = {
    "all": lambda m: True,
    "new": lambda m: m["status"] == "new",
    "known": lambda m: m["status"] == "known",
    "categorised": lambda m: m["status"] == "known" and (m["category"] or 0) > 0,
    "near_known": lambda m: m["status"] == "near_known",
    "non_pertinent": lambda m: m["status"] == "non_pertinent",
    "has_faces": lambda m: m["faces"] > 0,
    "errors": lambda m: m["error"] is not None,
}


def test_every_filter_pages_each_item_exactly_once(store: Store) -> None:
    made = _build(store)
    assert set(PASSES) == set(grid.FILTERS)
    for name, passes in PASSES.items():
        expected = [m["id"] for m in made if passes(m)]
        assert expected, name  # the mix holds items of every filter
        seen: list[int] = []
        after = None
        pages = 0
        with store.read() as conn:
            while True:
                page = grid.page(conn, "C", name, after, 7)
                seen += [item.id for item in page.items]
                pages += 1
                if page.next_after is None:
                    break
                assert len(page.items) == 7
                after = page.next_after
        assert seen == expected, name
        assert pages == -(-len(expected) // 7), name  # no empty last page


def test_a_cell_shows_what_the_grid_needs(store: Store) -> None:
    made = _build(store)
    with store.read() as conn:
        first = grid.page(conn, "C", "all", None, 1)
    item = first.items[0]
    assert first.next_after == item.id == made[0]["id"]
    assert (item.status, item.faces, item.file_name, item.size) == ("new", 2, "f0.png", 0)


def test_bad_paging_values_are_refused(store: Store) -> None:
    with store.read() as conn:
        for bad in ({"filter": "everything"}, {"limit": 0}, {"limit": 501}, {"after": -1}):
            args: dict[str, Any] = {"filter": "all", "after": None, "limit": 10} | bad
            with pytest.raises(InvalidField) as refused:
                grid.page(conn, "C", args["filter"], args["after"], args["limit"])
            assert refused.value.field == next(iter(bad))


def test_dashboard_figures_match_the_rows(store: Store) -> None:
    made = _build(store)
    with store.read() as conn:
        board = grid.dashboard(conn, "C")
    by = {s: sum(m["status"] == s for m in made) for s in STATUSES}
    media_errors = sum(m["error"] is not None for m in made)
    assert (board.media, board.new, board.known) == (61, by["new"], by["known"])
    assert (board.near_known, board.non_pertinent) == (by["near_known"], by["non_pertinent"])
    assert board.categorised == sum(PASSES["categorised"](m) for m in made)
    assert (board.media_errors, board.unreadable_locations) == (media_errors, 1)
    assert board.errors == media_errors + 1
    assert (board.with_faces, board.faces) == (13, 26)
    [run] = board.runs
    assert (run.source_id, run.status, run.items, run.errors) == ("s", "running", 62, 1)
    with store.begin() as conn:  # the process holding the run is gone
        conn.execute(update(evidence_sources).values(run_pid=None))
    with store.read() as conn:
        assert grid.dashboard(conn, "C").runs[0].status == "interrupted"
