"""Cases: the unit of an investigation that evidence, media and decisions belong to.

Invariant: a case is created together with its ``case.create`` audit event and its
creator's membership, in one transaction; case identifiers are the agency's own
references and never change. A source's shown status is exact: ``running`` only while
the recorded run (host, pid, process start) is alive, ``interrupted`` when it is gone.
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, NotFound, UsageError
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Connection, Store
from genkend.store import cases as stored

RESUME = "run the same `genkend ingest` again to resume"
_SAME_PROCESS_SECONDS = 0.01  # psutil's process start times are exact to the clock tick
_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    description: str
    status: str
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def create(store: Store, actor: Actor, case_id: str, title: str, description: str = "") -> Case:
    if not _CASE_ID.fullmatch(case_id):
        raise UsageError(
            f"invalid case id {case_id!r}: 1-100 letters, digits and . _ / -, "
            "starting with a letter or digit"
        )
    if not title.strip():
        raise UsageError("a case needs a title")
    case = Case(case_id, title.strip(), description, "open", utc_now_text(), actor.name)
    with store.begin() as conn:
        if _row(conn, case_id) is not None:
            raise AlreadyExists(f"case {case_id} already exists")
        stored.insert_case(conn, case.as_dict())
        audit.record(
            conn,
            actor,
            "case.create",
            f"case:{case_id}",
            {"title": case.title, "description": description},
        )
        # the investigator who opens a case works on it
        stored.insert_member(conn, case_id, actor.name, case.created_at, actor.name)
    return case


def list_all(store: Store, member: str | None = None) -> list[Case]:
    """Every case, or only those ``member`` belongs to."""
    with store.read() as conn:
        return [Case(**row) for row in stored.list_cases(conn, member)]


def get(conn: Connection, case_id: str, allow_erased: bool = False) -> Case:
    """The case; an erased one (only its id and audit trail remain) only on request."""
    row = _row(conn, case_id)
    if row is None:
        raise NotFound(f"unknown case {case_id!r}")
    if row.status == "erased" and not allow_erased:
        raise NotFound(f"case {case_id!r} was erased; only its audit trail remains")
    return Case(**row._asdict())


def _row(conn: Connection, case_id: str) -> Any:
    return stored.row(conn, case_id)


@dataclass(frozen=True)
class SourceStatus:
    """One evidence source of a case as it stands, with what to do when it did not finish.

    ``status``: ``complete``, ``running`` (its run is alive, or on another host where it
    cannot be checked), ``interrupted`` (its run is gone) or ``failed`` (its run raised
    ``error``). ``sha256`` is the evidence's hash at the end of its last complete run and
    ``hash_scope`` what it covers (``image``, ``file`` or ``manifest``, see
    ``evidence.root_hash``); ``summary`` that run's per-source summary
    (``hashes.source_summary``), None before a run completed.
    """

    source_id: str
    root: str
    kind: str
    status: str
    error: str | None
    advice: str | None
    created_at: str
    finished_at: str | None
    sha256: str | None = None
    hash_scope: str | None = None
    summary: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def this_run() -> dict[str, Any]:
    """The running process, as ``evidence_sources`` records the run that holds a source."""
    return {
        "run_host": socket.gethostname(),
        "run_pid": psutil.Process().pid,
        "run_process_started": psutil.Process().create_time(),
    }


def run_alive(row: Any) -> bool | None:
    """Whether the run recorded in a source row is still going; None: not checkable here."""
    if row.run_pid is None:
        return False  # recorded before runs were: that process is long gone
    if row.run_host != socket.gethostname():
        return None
    try:
        started = psutil.Process(row.run_pid).create_time()
    except psutil.Error:
        return False
    return bool(abs(started - row.run_process_started) < _SAME_PROCESS_SECONDS)


def sources(conn: Connection, case_id: str) -> list[SourceStatus]:
    """The case's evidence sources in the order they were registered."""
    return [_status(row) for row in stored.source_rows(conn, case_id)]


def _status(row: Any) -> SourceStatus:
    status, advice = row.status, None
    if status == "running":
        alive = run_alive(row)
        if alive is None:
            advice = f"on host {row.run_host} (pid {row.run_pid}); if it is gone, {RESUME}"
        elif not alive:
            status = "interrupted"
    if status == "interrupted":
        advice = RESUME
    elif status == "failed":
        advice = f"once the cause is fixed, {RESUME}"
    return SourceStatus(
        row.source_id,
        row.root,
        row.kind,
        status,
        row.error,
        advice,
        row.created_at,
        row.finished_at,
        row.root_sha256,
        row.root_hash_scope,
        json.loads(row.summary) if row.summary else None,
    )
