"""A case of synthetic media rows written straight through the store (no images).

Shared by the grid benchmark (``bench_grid.py``) and the web load benchmark
(``bench_web.py``). ``build`` bulk-inserts ``count`` media into an existing case: 70 %
new, 15 % known (two thirds of them categorised), 5 % non-pertinent, 10 % near-known
look-alikes, 1 % with an error, one location per item (under an evidence source whose
root does not exist: these rows have no picture), faces on 10 % of the items (two
each), and 50 unreadable locations. Invariant: the rows take the ids ``first_id`` to
``first_id + count - 1`` and afterwards the store hands out ids past them (on
PostgreSQL the id sequences are moved on), so a real ingest into the same case can
follow.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import sqlalchemy
from sqlalchemy import insert

from genkend.store.schema import evidence_sources, faces, media_locations
from genkend.store.schema import media as media_table

AT = "2026-01-02T03:04:05.000000Z"
CHUNK = 20_000


def _status(rng: random.Random) -> tuple[str, int | None]:
    draw = rng.random()
    if draw < 0.70:
        return "new", None
    if draw < 0.85:
        return "known", rng.randint(1, 3) if rng.random() < 2 / 3 else None
    if draw < 0.90:
        return "non_pertinent", None
    return "near_known", None


def _media_rows(
    case: str, rng: random.Random, ids: range
) -> tuple[list[dict[str, Any]], list[bool]]:
    """The rows of ``ids`` and, for each, whether it has faces (the draws in the order
    the grid benchmark's recorded results were made with)."""
    rows, with_faces = [], []
    for i in ids:
        status, category = _status(rng)
        rows.append(
            {
                "id": i,
                "case_id": case,
                "sha256": f"{i:064x}",
                "sha1": "b" * 40,
                "md5": f"{i:032x}",
                "size": rng.randint(10_000, 5_000_000),
                "mime": "image/jpeg",
                "kind": "image",
                "width": 4032,
                "height": 3024,
                "status": status,
                "category": category,
                "error": "truncated" if rng.random() < 0.01 else None,
                "created_at": AT,
            }
        )
        with_faces.append(rng.random() < 0.10)
    return rows, with_faces


def _face_rows(
    case: str, rows: list[dict[str, Any]], with_faces: list[bool]
) -> list[dict[str, Any]]:
    return [
        {
            "case_id": case,
            "media_id": r["id"],
            "backend": "fake",
            "x1": k * 100,
            "y1": 0,
            "x2": k * 100 + 90,
            "y2": 90,
            "landmarks": "[]",
            "score": 0.9,
            "quality": 0.5,
            "quality_detail": "{}",
            "created_at": AT,
        }
        for r, has in zip(rows, with_faces, strict=True)
        if has
        for k in range(2)
    ]


def _source(ws: Any, case: str, user: str) -> int:
    with ws.store.begin() as conn:
        return int(
            conn.execute(
                insert(evidence_sources)
                .values(
                    case_id=case,
                    source_id="synthetic",
                    root="/nowhere",
                    kind="folder",
                    status="complete",
                    created_at=AT,
                    created_by=user,
                    finished_at=AT,
                )
                .returning(evidence_sources.c.id)
            ).scalar_one()
        )


def build(ws: Any, case: str, user: str, count: int, seed: int, first_id: int = 1) -> None:
    """Writes ``count`` synthetic media of ``case`` (see the module docstring)."""
    rng = random.Random(seed)
    source = _source(ws, case, user)
    last = first_id + count
    for start in range(first_id, last, CHUNK):
        rows, with_faces = _media_rows(case, rng, range(start, min(last, start + CHUNK)))
        locations = [
            {
                "source_pk": source,
                "location": f"DCIM/{r['id'] // 1000:04d}/IMG_{r['id']:07d}.JPG",
                "media_id": r["id"],
                "size": r["size"],
                "depth": 0,
                "created_at": AT,
            }
            for r in rows
        ]
        face_rows = _face_rows(case, rows, with_faces)
        with ws.store.begin() as conn:
            conn.execute(insert(media_table), rows)
            conn.execute(insert(media_locations), locations)
            if face_rows:
                conn.execute(insert(faces), face_rows)
        print(f"  {min(last, start + CHUNK) - first_id:,} media written", file=sys.stderr)
    broken = [
        {
            "source_pk": source,
            "location": f"broken/{k}.jpg",
            "media_id": None,
            "depth": 0,
            "error": "unreadable",
            "created_at": AT,
        }
        for k in range(50)
    ]
    with ws.store.begin() as conn:
        conn.execute(insert(media_locations), broken)
        if ws.store.dialect == "postgresql":
            # Explicit ids do not move the sequence: the next ingest would reuse them.
            conn.execute(
                sqlalchemy.text(
                    "SELECT setval(pg_get_serial_sequence('media', 'id'), "
                    "(SELECT max(id) FROM media))"
                )
            )
            conn.execute(sqlalchemy.text("ANALYZE"))
    if ws.store.dialect == "sqlite":
        with ws.store.begin() as conn:
            conn.execute(sqlalchemy.text("ANALYZE"))
