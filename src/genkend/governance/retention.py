"""Retention and erasure: how long each kind of data is kept, and erasing it for real.

Two operations, each recorded in the audit log in the transaction that erases:

- ``run`` erases what the retention periods make due (``Policy``, from the settings):
  face embeddings and face thumbnails older than their period, the details of search
  events older than theirs (AI Act Art. 26(6): at least six months), and candidates
  marked for deletion (an authorisation was refused). One transaction per kind, each
  with a ``retention.run`` event naming how many and which ids were erased.
- ``erase_case`` erases all content of a case: every row that depends on it through a
  foreign key (media, locations, faces, clusters, candidates and decisions, hash hits,
  near-duplicate pairs, evidence sources, memberships), in dependency order. It keeps
  the case's id, its authorisations (the legal basis, no content) and its audit trail,
  whose details it erases except governance records (``KEPT_DETAILS``) and search logs
  still inside their retention period; it records ``case.erase``.

Erased means gone from the database files, not only from the tables (``store.erasure``):
on SQLite the erasing connection runs with ``secure_delete`` (freed space is overwritten
with zeros), and after the commit the WAL is checkpointed and truncated and the file
rebuilt with ``VACUUM``; on PostgreSQL the touched tables are rewritten with
``VACUUM (FULL)``.
Cached search indexes, which hold embeddings, are overwritten and removed (they are
derived and rebuilt on the next search). ``docs/security.md`` says what this cannot
reach (file-system journals, PostgreSQL's WAL archive, backups).

Invariants: nothing is erased without its audit event in the same transaction, and
the event records what was erased (counts, ids), never the content; the audit chain
itself is never changed, only details are erased, through ``audit.erase_details``,
so ``audit verify`` still passes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from genkend.clock import to_text, utc_now
from genkend.errors import UsageError
from genkend.governance import audit, cases
from genkend.records import Actor
from genkend.settings import Settings
from genkend.store import Connection, Store
from genkend.store import retention as stored
from genkend.store.erasure import Compaction, compact, erasing
from genkend.store.schema import (
    audit_details,
    authorisations,
    candidates,
    faces,
    review_decisions,
)
from genkend.store.schema import (
    cases as cases_table,
)
from genkend.workspace import Workspace

log = logging.getLogger(__name__)

FACE_EMBEDDINGS = "face_embeddings"
FACE_THUMBNAILS = "face_thumbnails"
_FACE_COLUMNS = {FACE_EMBEDDINGS: "embedding", FACE_THUMBNAILS: "thumbnail"}
SEARCH_LOGS = "search_logs"
DUE_CANDIDATES = "due_candidates"
SEARCH_ACTIONS = "search."
ERASED_STATUS = "erased"
ERASED_TITLE = "(erased)"
# Audit details an erased case keeps: they carry no case content, and an auditor needs
# them to judge whether the work was lawful (who had access, under which authorisation,
# what was disclosed to whom, what was refused, what was erased).
KEPT_DETAILS = ("authorisation.", "case.member.", "access.", "export.", "retention.")
# Rows that stay when a case is erased: the case's id (so that it is never reused and
# its audit trail names something) and its authorisations (the legal basis).
KEPT_TABLES = frozenset({cases_table.name, authorisations.name})
# Sequence numbers per erasure event; keeps statements under SQLite's variable limit.
_CHUNK = 5000
_ZEROS = bytes(1 << 20)


@dataclass(frozen=True)
class Policy:
    """Retention periods in days per kind of data; 0 keeps that kind."""

    face_embeddings_days: int
    face_thumbnails_days: int
    search_logs_days: int

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            settings.retention_face_embeddings_days,
            settings.retention_face_thumbnails_days,
            settings.retention_search_logs_days,
        )

    def search_log_cutoff(self, now: datetime) -> str | None:
        return _cutoff(now, self.search_logs_days)


@dataclass(frozen=True)
class Erasure:
    """What one kind's erasure removed (or, in a dry run, would remove).

    ``ids`` are inclusive ranges ``(first, last)`` of face ids, candidate ids or audit
    sequence numbers, depending on the kind: what was erased, never its content.
    """

    kind: str
    period_days: int | None
    cutoff: str | None
    count: int
    ids: tuple[tuple[int, int], ...]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ids": [list(r) for r in self.ids]}


@dataclass(frozen=True)
class RetentionReport:
    dry_run: bool
    at: str
    erasures: tuple[Erasure, ...]
    kept: tuple[str, ...]
    derived_removed: int
    compaction: Compaction | None

    @property
    def erased(self) -> int:
        return sum(e.count for e in self.erasures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "at": self.at,
            "erasures": [e.as_dict() for e in self.erasures],
            "kept": list(self.kept),
            "derived_removed": self.derived_removed,
            "compaction": asdict(self.compaction) if self.compaction else None,
        }


@dataclass(frozen=True)
class CaseErasure:
    case_id: str
    reason: str
    rows: dict[str, int]
    audit_details_erased: int
    search_logs_kept: int
    derived_removed: int
    compaction: Compaction

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- retention run


def run(
    ws: Workspace,
    actor: Actor,
    *,
    dry_run: bool = False,
    force_compact: bool = False,
    now: datetime | None = None,
) -> RetentionReport:
    """Erase (or, with ``dry_run``, list) what is due under the workspace's settings."""
    moment = now or utc_now()
    policy = Policy.of(ws.settings)
    periods = {
        FACE_EMBEDDINGS: policy.face_embeddings_days,
        FACE_THUMBNAILS: policy.face_thumbnails_days,
        SEARCH_LOGS: policy.search_logs_days,
    }
    kept = tuple(kind for kind, days in periods.items() if days == 0)
    erasures = []
    for kind in (FACE_EMBEDDINGS, FACE_THUMBNAILS, SEARCH_LOGS, DUE_CANDIDATES):
        if kind in kept:
            continue
        days = periods.get(kind)
        erasures.append(_erase_kind(ws.store, actor, kind, days, moment, dry_run))
    if dry_run:
        return RetentionReport(True, to_text(moment), tuple(erasures), kept, 0, None)
    embeddings_gone = any(e.kind == FACE_EMBEDDINGS and e.count for e in erasures)
    removed = discard_derived(ws.index_dir) if embeddings_gone else 0
    touched = {name for e in erasures if e.count for name in _TOUCHES[e.kind]}
    compaction = compact(ws.store, touched or _ALL_TOUCHED) if touched or force_compact else None
    return RetentionReport(False, to_text(moment), tuple(erasures), kept, removed, compaction)


_TOUCHES = {
    FACE_EMBEDDINGS: frozenset({faces.name}),
    FACE_THUMBNAILS: frozenset({faces.name}),
    SEARCH_LOGS: frozenset({audit_details.name}),
    DUE_CANDIDATES: frozenset({candidates.name, review_decisions.name}),
}
_ALL_TOUCHED = frozenset(name for names in _TOUCHES.values() for name in names)


def _erase_kind(
    store: Store, actor: Actor, kind: str, days: int | None, now: datetime, dry_run: bool
) -> Erasure:
    cutoff = _cutoff(now, days) if days is not None else None
    if dry_run:
        with store.read() as conn:
            ids = _due(conn, kind, cutoff)
        return Erasure(kind, days, cutoff, len(ids), id_ranges(ids))
    with erasing(store) as conn:
        ids, dependents = _erase(conn, actor, kind, cutoff)
        erasure = Erasure(kind, days, cutoff, len(ids), id_ranges(ids))
        audit.record(
            conn,
            actor,
            "retention.run",
            "retention",
            {**erasure.as_dict(), "dependent_rows": dependents},
        )
    if erasure.count:
        log.info("retention: erased %d %s (cutoff %s)", erasure.count, kind, cutoff)
    return erasure


def _due(conn: Connection, kind: str, cutoff: str | None) -> list[int]:
    if kind in (FACE_EMBEDDINGS, FACE_THUMBNAILS):
        assert cutoff is not None
        return stored.due_faces(conn, _FACE_COLUMNS[kind], cutoff)
    if kind == SEARCH_LOGS:
        assert cutoff is not None
        return stored.search_logs(conn, SEARCH_ACTIONS, cutoff)
    return stored.due_candidates(conn)


def _erase(
    conn: Connection, actor: Actor, kind: str, cutoff: str | None
) -> tuple[list[int], dict[str, int]]:
    """Erase one kind; returns the ids erased and the dependent rows deleted per table."""
    if kind in (FACE_EMBEDDINGS, FACE_THUMBNAILS):
        assert cutoff is not None
        return stored.clear_faces(conn, _FACE_COLUMNS[kind], cutoff), {}
    if kind == SEARCH_LOGS:
        assert cutoff is not None
        seqs = stored.search_logs(conn, SEARCH_ACTIONS, cutoff)
        for chunk in _chunks(seqs):
            audit.erase_details(conn, actor, chunk, f"search logs older than {cutoff}")
        return seqs, {}
    ids = stored.due_candidates(conn)
    return ids, stored.delete_due_candidates(conn)


def _cutoff(now: datetime, days: int) -> str | None:
    return to_text(now - timedelta(days=days)) if days > 0 else None


# ---------------------------------------------------------------- erasing a case


def erase_case(
    ws: Workspace, actor: Actor, case_id: str, reason: str, *, now: datetime | None = None
) -> CaseErasure:
    """Erase every row of the case's content and the content of its audit details."""
    if not reason.strip():
        raise UsageError("erasing a case needs --reason")
    search_cutoff = Policy.of(ws.settings).search_log_cutoff(now or utc_now())
    with erasing(ws.store) as conn:
        if cases.get(conn, case_id, allow_erased=True).status == ERASED_STATUS:
            raise UsageError(f"case {case_id} is already erased")
        seqs, kept_logs = _case_details(conn, case_id, search_cutoff)
        rows = stored.erase_case_rows(conn, case_id, KEPT_TABLES, ERASED_TITLE, ERASED_STATUS)
        for chunk in _chunks(seqs):
            audit.erase_details(conn, actor, chunk, f"case {case_id} erased: {reason}")
        audit.record(
            conn,
            actor,
            "case.erase",
            f"case:{case_id}",
            {
                "reason": reason,
                "rows": rows,
                "audit_details_erased": len(seqs),
                "search_logs_kept_until_due": kept_logs,
            },
        )
    removed = discard_derived(ws.index_dir)
    touched = {*rows, cases_table.name, audit_details.name}
    compaction = compact(ws.store, touched)
    return CaseErasure(case_id, reason, rows, len(seqs), kept_logs, removed, compaction)


def _case_details(
    conn: Connection, case_id: str, search_cutoff: str | None
) -> tuple[list[int], int]:
    """The case's events whose details go, and how many search logs must stay for now.

    A case's events are those about the case itself or one of its evidence sources.
    """
    erase, kept_logs = [], 0
    for seq, action, at in stored.case_events(conn, case_id):
        if action.startswith(KEPT_DETAILS):
            continue
        if action.startswith(SEARCH_ACTIONS) and (search_cutoff is None or at >= search_cutoff):
            kept_logs += 1  # Art. 26(6): the log outlives the case; retention run erases it
            continue
        erase.append(seq)
    return erase, kept_logs


# ---------------------------------------------------------------- derived files


def discard_derived(index_dir: Path) -> int:
    """Overwrite and remove the cached search indexes (derived data holding embeddings)."""
    removed = 0
    for path in sorted(index_dir.iterdir()):
        if path.is_file() and not path.is_symlink():
            _overwrite(path)
            path.unlink()
            removed += 1
    return removed


def _overwrite(path: Path) -> None:
    # Best effort: journalling, copy-on-write and SSD wear levelling may keep old blocks;
    # docs/security.md asks for full-disk encryption for that reason.
    size = path.stat().st_size
    with path.open("r+b") as out:
        for start in range(0, size, len(_ZEROS)):
            out.write(_ZEROS[: min(len(_ZEROS), size - start)])
        out.flush()
        os.fsync(out.fileno())


# ---------------------------------------------------------------- small helpers


def id_ranges(ids: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Sorted ids as inclusive ranges: ``[1, 2, 3, 7]`` -> ``((1, 3), (7, 7))``."""
    ranges: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], i)
        else:
            ranges.append((i, i))
    return tuple(ranges)


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])
