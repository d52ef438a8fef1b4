"""Benchmark of the triage grid and the case dashboard on a 500,000-media case.

Run on demand, never as part of the test suite:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_grid.py             # 500,000 media
    PYTHONPATH=src .venv/bin/python benchmarks/bench_grid.py --media 50000   # quick

Builds a workspace (SQLite, or ``--db`` PostgreSQL) with one case of synthetic media rows
written straight through the store (no images; bulk inserts): 70 % new, 15 % known (two
thirds of them categorised), 5 % non-pertinent, 10 % near-known look-alikes, 1 % with
an error, one location per item, faces on 10 % of the items (two each), and a few
unreadable locations. Then times ``services.media.grid`` (the gate included, as the web
layer calls it) for every filter at the start, the middle and the end of the case:
``--pages`` consecutive pages of 100 from each position (following ``next_after``, back
to the position when a filter runs out), and ``services.dashboard.dashboard``. Writes a
markdown report (machine, versions, seed, command, p50/p99) to stdout and, with ``--out``,
to a file.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import func, select
from synthetic_case import build  # beside this script: running it puts its folder on the path

from genkend.cli import main as cli
from genkend.hashes.grid import FILTERS
from genkend.records import Actor
from genkend.services import dashboard, media
from genkend.services.session import Session
from genkend.store import grid as stored_grid
from genkend.store.schema import media as media_table
from genkend.workspace import open_workspace

CASE, USER = "BIG", "bench"
FIGURES = (
    "status_counts",
    "categorised_count",
    "error_count",
    "unreadable_locations",
    "face_counts",
    "cluster_count",
    "runs",
)


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_grid(session: Session, count: int, pages: int) -> list[str]:
    lines = [
        "| filter | position | p50 ms | p99 ms | max ms | items/page |",
        "|---|---|---|---|---|---|",
    ]
    for name in FILTERS:
        for label, fraction in (("start", 0.0), ("middle", 0.5), ("end", 0.98)):
            origin = None if fraction == 0 else int(count * fraction)
            after, times, sizes = origin, [], []
            for _ in range(pages):
                elapsed, page = _ms(lambda a=after, f=name: media.grid(session, CASE, f, a, 100))
                times.append(elapsed)
                sizes.append(len(page.items))
                after = page.next_after if page.next_after is not None else origin
            lines.append(
                f"| {name} | {label} | {_quantile(times, 0.5):.2f} | {_quantile(times, 0.99):.2f}"
                f" | {max(times):.2f} | {statistics.mean(sizes):.0f} |"
            )
    return lines


def time_figures(ws: Any) -> str:
    """Each dashboard figure's query alone, in ms (the store functions behind it)."""
    timed = []
    with ws.store.read() as conn:
        for name in FIGURES:
            fn = getattr(stored_grid, name)
            timed.append(f"{name} {_ms(lambda f=fn: f(conn, CASE))[0]:.0f}")
    return ", ".join(timed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--media", type=int, default=500_000)
    parser.add_argument("--pages", type=int, default=50, help="pages timed per filter and position")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--db", help="a PostgreSQL URL (an empty database); default SQLite")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as tmp:
        home = args.keep or Path(tmp) / "ws"
        flags = ["--home", str(home), "--user", USER] + (["--db", args.db] if args.db else [])
        assert cli([*flags, "user", "add", USER, "--role", "admin", "--role", "investigator"]) == 0
        assert cli([*flags, "case", "create", CASE, "--title", "grid benchmark"]) == 0
        ws = open_workspace(home, {"user": USER, **({"db": args.db} if args.db else {})})
        try:
            started = time.perf_counter()
            build(ws, CASE, USER, args.media, args.seed)
            built = time.perf_counter() - started
            session = Session(ws, Actor(USER, platform.node()))
            with ws.store.read() as conn:
                total = conn.execute(select(func.count()).select_from(media_table)).scalar_one()
            grid_lines = time_grid(session, args.media, args.pages)
            board_times = []
            for _ in range(10):
                elapsed, board = _ms(lambda: dashboard.dashboard(session, CASE))
                board_times.append(elapsed)
            figures = time_figures(ws)
        finally:
            ws.close()
    report = [
        f"Command: `{shlex.join(['benchmarks/bench_grid.py', *sys.argv[1:]])}`, seed {args.seed}",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"store {'PostgreSQL' if args.db else 'SQLite ' + __import__('sqlite3').sqlite_version}",
        f"Case: {total:,} media, built in {built:.1f} s; {args.pages} pages of 100 timed per row",
        "",
        *grid_lines,
        "",
        f"dashboard (10 calls): p50 {_quantile(board_times, 0.5):.1f} ms, "
        f"max {max(board_times):.1f} ms; media {board.media:,}, new {board.new:,}, "
        f"known {board.known:,}, categorised {board.categorised:,}, errors {board.errors:,}, "
        f"with faces {board.with_faces:,}",
        f"dashboard figures, one call each: {figures}",
    ]
    text = "\n".join(report)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
