"""The web load benchmark's workspace: built once, checked after the run.

Used by ``bench_web.py``. ``prepare`` builds, in an empty workspace folder, the case
``BIG`` of synthetic media rows (``synthetic_case``) and a few hundred small real
pictures with faces of the fake face backend ingested through the CLI, a gallery
identity, an authorisation, and analyst accounts with API tokens; it keeps what the
clients need (tokens, the real pictures' ids) beside the workspace, so that a later run
with the same ``--home`` reuses it. ``check_writes`` reads back, from the store, what a
run wrote. Invariant: the workspace is built before it is served (the accounts, tokens
and grants are made as their own accounts), so it is never changed behind the server.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import time
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from synthetic_case import build  # beside this script: running it puts its folder on the path

from genkend.cli import main as cli
from genkend.faces.fake import DEFAULT_IDENTITIES, FakeFaceBackend
from genkend.records import Actor
from genkend.services import media
from genkend.services.session import Session
from genkend.store.schema import audit_events, evidence_sources, media_locations
from genkend.workspace import open_workspace

CASE, ADMIN, GRANTOR = "BIG", "bench", "grantor"
ANALYSTS = tuple(f"analyst{n}" for n in range(1, 6))
PURPOSE, LEGAL_BASIS = "identify victim", "warrant 7/2026"
PERSONS = tuple(DEFAULT_IDENTITIES)  # the fake backend knows these colours
IDENTITY = PERSONS[0]
FAKE = FakeFaceBackend()


def _cli(flags: list[str], *args: str) -> str:
    """One CLI command in this process; its standard output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli([*flags, *args])
    assert code == 0, (args, out.getvalue())
    return out.getvalue()


def _photo(path: Path, faces: list[tuple[str, int, int, int]], size: tuple[int, int]) -> None:
    pixels = FAKE.canvas(size[0], size[1], faces, background=(200, 200, 190))
    Image.fromarray(pixels).save(path, "PNG")


def _pictures(folder: Path, count: int) -> None:
    """``count`` small PNGs, each with one or two faces of the fake backend's persons."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        faces = [(PERSONS[n % len(PERSONS)], 20 + n % 40, 30, 90)]
        if n % 3 == 0:
            faces.append((PERSONS[(n + 1) % len(PERSONS)], 200, 40 + n % 30, 80))
        _photo(folder / f"picture_{n:04d}.png", faces, (320 + n % 7, 200 + n % 5))


def _flags(home: Path, user: str, db: str | None) -> list[str]:
    return ["--home", str(home), "--user", user, *(["--db", db] if db else [])]


def _open(home: Path, db: str | None) -> Any:
    return open_workspace(home, {"user": ADMIN, **({"db": db} if db else {})})


def _accounts(home: Path, db: str | None) -> None:
    """The admin (the first admin: the served workspace's operator), a supervisor who
    grants the authorisation, and the analysts the clients act as."""
    flags = _flags(home, ADMIN, db)
    roles = ("admin", "investigator", "reviewer", "supervisor")
    _cli(flags, "user", "add", ADMIN, *[x for r in roles for x in ("--role", r)])
    _cli(flags, "case", "create", CASE, "--title", "web load benchmark")
    _cli(flags, "user", "add", GRANTOR, "--role", "supervisor")
    for name in ANALYSTS:
        _cli(flags, "user", "add", name, "--role", "investigator", "--role", "reviewer")
    for name in (GRANTOR, *ANALYSTS):
        _cli(flags, "case", "member", "add", CASE, name)
    grant = ["--case", CASE, "--authority", "Court Z", "--reference", "LOAD-1"]
    valid = ["--valid-until", "2099-12-31"]
    _cli(_flags(home, GRANTOR, db), "authorisation", "grant", *grant, *valid)


def _real_content(home: Path, inputs: Path, db: str | None, pictures: int) -> None:
    """Pictures with faces ingested through the CLI, and a gallery identity."""
    flags = _flags(home, ADMIN, db)
    _pictures(inputs / "pictures", pictures)
    where = ["--case", CASE, "--source-id", "pictures", "--workers", "0"]
    _cli(flags, "ingest", str(inputs / "pictures"), *where)
    _photo(inputs / "enrol.png", [(IDENTITY, 20, 20, 100)], (240, 160))
    _photo(inputs / "probe.png", [(IDENTITY, 40, 30, 110)], (320, 200))
    _cli(flags, "gallery", "enroll", "--identity", IDENTITY, str(inputs / "enrol.png"))


def prepare(home: Path, inputs: Path, db: str | None, args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark's workspace, built once; what the clients need, kept in
    ``inputs/bench-web.json`` for the next run with the same ``--home``."""
    kept = inputs / "bench-web.json"
    if kept.exists():
        return dict(json.loads(kept.read_text()))
    inputs.mkdir(parents=True, exist_ok=True)
    _accounts(home, db)
    started = time.perf_counter()
    ws = _open(home, db)
    try:
        build(ws, CASE, ADMIN, args.media, args.seed)
    finally:
        ws.close()
    built = time.perf_counter() - started
    _real_content(home, inputs, db, args.pictures)
    label = ["--label", "load benchmark"]
    tokens = {n: _cli(_flags(home, n, db), "user", "token", n, *label).strip() for n in ANALYSTS}
    ws = _open(home, db)
    try:
        session = Session(ws, Actor(ADMIN, platform.node()))
        picture_ids = [item.id for item in media.grid(session, CASE, "all", args.media, 500).items]
    finally:
        ws.close()
    made = {"media": args.media, "build_s": round(built, 1), "tokens": tokens}
    made["picture_ids"] = picture_ids
    kept.write_text(json.dumps(made, indent=1))
    return made


def last_seq(home: Path, db: str | None) -> int:
    ws = _open(home, db)
    try:
        with ws.store.read() as conn:
            return int(conn.execute(select(func.max(audit_events.c.seq))).scalar_one() or 0)
    finally:
        ws.close()


def check_writes(
    home: Path, db: str | None, source_id: str, files: int, since: int, seqs: list[int]
) -> dict[str, Any]:
    """Whether the ingest and every search were recorded (see the module docstring)."""
    ws = _open(home, db)
    try:
        with ws.store.read() as conn:
            source = conn.execute(
                select(evidence_sources.c.id, evidence_sources.c.status).where(
                    evidence_sources.c.case_id == CASE, evidence_sources.c.source_id == source_id
                )
            ).one()
            recorded = conn.execute(
                select(func.count()).where(media_locations.c.source_pk == source.id)
            ).scalar_one()
            events = conn.execute(
                select(audit_events.c.seq, audit_events.c.action).where(
                    audit_events.c.seq > since, audit_events.c.action.like("search.%")
                )
            ).all()
    finally:
        ws.close()
    found = {seq for seq, _ in events}
    return {
        "ingest_files": files,
        "ingest_recorded": int(recorded),
        "ingest_status": source.status,
        "searches_answered": len(seqs),
        "search_events": len(found),
        "searches_without_event": sorted(set(seqs) - found),
        "events_without_answer": sorted(found - set(seqs)),
    }
