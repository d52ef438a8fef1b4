"""Ingest: read evidence, analyse every file in worker processes, record it all.

One file's path: the evidence source lists it (``MediaItem``); a worker process
analyses its bytes (``hashes.analysis.analyse``: digests, type, decode, PDQ); the single
writer in this process records the result with its triage (``hashes.recorder``), one batch
per transaction together with a ``media.add`` audit event.

Invariants: every listed item ends as exactly one location row, errors included (DESIGN
rule 4); a run that is killed loses at most its uncommitted batch, and running it again
skips what was recorded and finishes the rest; re-ingesting a finished source adds
nothing. Evidence is only read. Temporary copies of archive members go to the
workspace's spool folder, nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genkend.clock import utc_now_text
from genkend.errors import EvidenceError, MediaError, UsageError
from genkend.evidence import ArchiveLimits, EvidenceSource, open_source
from genkend.evidence.disk import DiskSource
from genkend.faces.pipeline import face_options
from genkend.faces.video import video_options
from genkend.governance import audit, cases
from genkend.hashes import verification
from genkend.hashes.analysis import (
    Analysis,
    Options,
    Task,
    analyse,
    analyse_stream,
    digests_only,
)
from genkend.hashes.recorder import BatchCounts, Recorder
from genkend.hashes.signals import PDQ
from genkend.hashes.source_summary import SourceSummary, measure
from genkend.hashes.triage import Triage
from genkend.hashes.workers import executor as workers_pool
from genkend.media.named_files import IMAGE_READ_LIMIT
from genkend.records import Actor, MediaItem
from genkend.store import evidence as evidence_store
from genkend.store import media as media_store
from genkend.workspace import Workspace

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]


@dataclass
class Summary:
    """One run over one source: what THIS run listed and recorded (the counts), and, once
    it completed, ``source``: the whole source as recorded, earlier runs included."""

    case_id: str
    source_id: str
    root: str
    listed: int = 0
    skipped_done: int = 0
    seconds: float = 0.0
    counts: BatchCounts = field(default_factory=BatchCounts)
    source: SourceSummary | None = None
    # a disk image's verifications before and after the run (``hashes.verification``)
    verifications: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("counts"))
        data["items_per_s"] = round(self.counts.locations / self.seconds, 2) if self.seconds else 0
        return data


def run(
    ws: Workspace,
    actor: Actor,
    case_id: str,
    roots: list[Path],
    source_id: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    faces: bool = True,
) -> list[Summary]:
    if source_id is not None and len(roots) != 1:
        raise UsageError("--source-id names one source: give one SOURCE with it")
    with ws.store.read() as conn:
        cases.get(conn, case_id)
    ids = [source_id or root.name for root in roots]
    if len(set(ids)) != len(ids):
        raise UsageError(
            "two sources would get the same id; ingest them one at a time with --source-id"
        )
    count = workers if workers is not None else (ws.settings.workers or os.cpu_count() or 1)
    chosen = face_options(ws.settings) if faces else None
    options = Options(
        max_pixels=ws.settings.max_pixels,
        faces=chosen,
        video=None if chosen is None else video_options(ws.settings, chosen),
    )
    return [
        _ingest_source(ws, actor, case_id, root, sid, count, options, progress)
        for root, sid in zip(roots, ids, strict=True)
    ]


def _ingest_source(
    ws: Workspace,
    actor: Actor,
    case_id: str,
    root: Path,
    source_id: str,
    workers: int,
    options: Options,
    progress: Progress | None,
) -> Summary:
    started = time.monotonic()
    s = ws.settings
    limits = ArchiveLimits(
        max_depth=s.archive_max_depth,
        max_ratio=s.archive_max_ratio,
        max_total_bytes=s.archive_max_total_bytes,
    )
    try:
        source = open_source(root, source_id, limits, ws.spool_dir)
    except EvidenceError as exc:
        _refuse(ws, actor, case_id, source_id, root, str(exc))
        raise
    source_pk = _register(ws, actor, case_id, source)
    summary = Summary(case_id, source_id, str(source.root))
    disk = isinstance(source, DiskSource)
    try:
        if disk:
            _verify(ws, actor, source, source_pk, summary, "before-ingest")
        _record(ws, actor, source, source_pk, summary, workers, options, progress)
        if disk:
            _verify(ws, actor, source, source_pk, summary, "after-ingest")
    except KeyboardInterrupt:
        _stop(ws, actor, source_pk, summary, "interrupted", "stopped by the operator")
        raise
    except Exception as exc:
        _stop(ws, actor, source_pk, summary, "failed", str(exc) or type(exc).__name__)
        raise
    summary.source = measure(
        ws.store, source_pk, source.root, verification.after_ingest(summary.verifications)
    )
    summary.seconds = round(time.monotonic() - started, 3)
    _finish(ws, actor, source_pk, summary)
    return summary


def _record(
    ws: Workspace,
    actor: Actor,
    source: EvidenceSource,
    source_pk: int,
    summary: Summary,
    workers: int,
    options: Options,
    progress: Progress | None,
) -> None:
    """Analyse and record every item of the source not recorded yet, batch by batch."""
    s, case_id, source_id = ws.settings, summary.case_id, summary.source_id
    with ws.store.read() as conn:
        done = media_store.done_locations(conn, source_pk)
        triage = Triage(conn, case_id, PDQ.max_distance(s), s.pdq_min_quality)
    recorder = Recorder(case_id, source_pk, triage)
    total_hint = _count_files(source.root)
    batch: list[tuple[MediaItem, Analysis]] = []

    def flush() -> None:
        with ws.store.begin() as conn:
            counts = recorder.write(conn, batch)
            audit.record(
                conn,
                actor,
                "media.add",
                f"source:{case_id}/{source_id}",
                {
                    "items": len(batch),
                    "first": batch[0][0].location,
                    "last": batch[-1][0].location,
                    "new_media": counts.new_media,
                    "errors": counts.errors,
                    **({"unrecorded": counts.unrecorded} if counts.unrecorded else {}),
                },
            )
        summary.counts.add(counts)
        batch.clear()

    for item, analysis in _analysed(source, done, summary, options, workers):
        batch.append((item, analysis))
        if len(batch) >= s.batch_size:
            flush()
        if progress:
            progress(
                summary.counts.locations + len(batch),
                max(total_hint, summary.listed) if total_hint else None,
            )
    if batch:
        flush()


def _analysed(
    source: EvidenceSource, done: set[str], summary: Summary, options: Options, workers: int
) -> Iterator[tuple[MediaItem, Analysis]]:
    """Analyses in completion order; at most a few tasks per worker are in flight."""
    window = max(4, workers * 4)
    pending: dict[Future[Analysis], tuple[MediaItem, Task]] = {}
    pool = workers_pool(workers)
    try:
        for item in source.items():
            summary.listed += 1
            if item.location in done:
                summary.skipped_done += 1
                continue
            task_or_result = _prepare(source, item, options)
            if isinstance(task_or_result, Analysis):
                yield item, task_or_result
                continue
            pending[pool.submit(analyse, task_or_result, options)] = (item, task_or_result)
            while len(pending) >= window:
                pool = yield from _collect(pool, pending, options, workers)
        while pending:
            pool = yield from _collect(pool, pending, options, workers)
    finally:
        pool.shutdown(cancel_futures=True)


def _collect(
    pool: Executor,
    pending: dict[Future[Analysis], tuple[MediaItem, Task]],
    options: Options,
    workers: int,
) -> Generator[tuple[MediaItem, Analysis], None, Executor]:
    """The analyses finished next; the pool to go on with (a new one after a crash).

    A worker that dies (a decoder's memory fault on hostile bytes) breaks the pool and
    every task in it; those are analysed again one at a time in a new pool, so that the
    file that kills a worker on its own is found, and is hashed here, in this process.
    """
    crashed: list[tuple[MediaItem, Task]] = []
    for future in wait(pending, return_when=FIRST_COMPLETED).done:
        item, task = pending.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool:
            crashed.append((item, task))
            continue
        yield item, result
    if not crashed:
        return pool
    crashed += pending.values()
    pending.clear()
    pool.shutdown(cancel_futures=True)
    pool = workers_pool(workers)
    for item, task in crashed:
        try:
            result = pool.submit(analyse, task, options).result()
        except BrokenProcessPool:
            pool.shutdown(cancel_futures=True)
            pool = workers_pool(workers)
            result = digests_only(task, "analysis crashed its worker process; hashed only")
        yield item, result
    return pool


def _prepare(source: EvidenceSource, item: MediaItem, options: Options) -> Task | Analysis:
    """A task for a worker, or the result right away (error items, huge members)."""
    if item.error:
        return Analysis(item.location, read_error=item.error)
    if item.path is not None:
        return Task(item.location, path=str(item.path))
    try:
        with source.open(item) as stream:
            if item.size is not None and item.size > IMAGE_READ_LIMIT:
                # too big to send to a worker: hashed here, streaming
                return analyse_stream(item.location, stream, options)
            return Task(item.location, data=stream.read())
    except MediaError as exc:
        return Analysis(item.location, read_error=str(exc))
    except OSError as exc:
        return Analysis(item.location, read_error=f"cannot read: {exc.strerror or exc}")


def _register(ws: Workspace, actor: Actor, case_id: str, source: EvidenceSource) -> int:
    """The source's row, new or resumed, marked running in this process; audited."""
    kind = "folder" if source.root.is_dir() else "file"
    subject = f"source:{case_id}/{source.id}"
    with ws.store.begin() as conn:
        row = evidence_store.find(conn, case_id, source.id)
        if row is not None:
            if row.root != str(source.root):
                raise UsageError(
                    f"source id {source.id} in case {case_id} already names "
                    f"{row.root}; choose another --source-id"
                )
            if row.status == "running" and cases.run_alive(row):
                raise UsageError(
                    f"source {source.id} of case {case_id} is being ingested right now "
                    f"(pid {row.run_pid}); wait for that run to finish"
                )
            evidence_store.update_run(
                conn, int(row.id), status="running", error=None, **cases.this_run()
            )
            detail = {"root": str(source.root), "resumed": True}
            audit.record(conn, actor, "ingest.start", subject, detail)
            return int(row.id)
        source_pk = evidence_store.add(
            conn,
            case_id=case_id,
            source_id=source.id,
            root=str(source.root),
            kind=kind,
            status="running",
            created_at=utc_now_text(),
            created_by=actor.name,
            **cases.this_run(),
        )
        detail = {"root": str(source.root), "kind": kind}
        audit.record(conn, actor, "evidence.register", subject, detail)
        detail = {"root": str(source.root), "resumed": False}
        audit.record(conn, actor, "ingest.start", subject, detail)
        return source_pk


def _verify(
    ws: Workspace,
    actor: Actor,
    source: EvidenceSource,
    source_pk: int,
    summary: Summary,
    stage: str,
) -> None:
    """The image's hash recomputed and recorded; a mismatch is in the summary, the run
    goes on (nothing is lost by reading it) and the shell makes it loud."""
    found = verification.verify(
        ws, actor, summary.case_id, source_pk, source.id, source.root, stage
    )
    summary.verifications.append(found.as_dict())


def _refuse(
    ws: Workspace, actor: Actor, case_id: str, source_id: str, root: Path, error: str
) -> None:
    """Audit that the evidence could not be used (a broken segment set...): nothing read."""
    with ws.store.begin() as conn:
        detail = {"root": str(root.absolute()), "error": error}
        audit.record(conn, actor, "ingest.refuse", f"source:{case_id}/{source_id}", detail)


def _stop(
    ws: Workspace, actor: Actor, source_pk: int, summary: Summary, status: str, error: str
) -> None:
    """Record why a run ended early; never hides the exception that ended it."""
    try:
        with ws.store.begin() as conn:
            evidence_store.update_run(conn, source_pk, status=status, error=error)
            detail = {**summary.as_dict(), "status": status, "error": error}
            action = "ingest.fail" if status == "failed" else "ingest.interrupt"
            audit.record(
                conn, actor, action, f"source:{summary.case_id}/{summary.source_id}", detail
            )
    except Exception:
        # the store may be what failed; the source then shows as interrupted
        log.exception("could not record that source %s %s", summary.source_id, status)


def _finish(ws: Workspace, actor: Actor, source_pk: int, summary: Summary) -> None:
    """The source complete, with its summary and hash stored beside it; audited."""
    measured = summary.source
    assert measured is not None
    with ws.store.begin() as conn:
        evidence_store.update_run(
            conn,
            source_pk,
            status="complete",
            finished_at=utc_now_text(),
            error=None,
            root_sha256=measured.sha256,
            root_hash_scope=measured.hash_scope,
            summary=json.dumps(measured.as_dict()),
        )
        audit.record(
            conn,
            actor,
            "ingest.finish",
            f"source:{summary.case_id}/{summary.source_id}",
            summary.as_dict(),
        )


def _count_files(root: Path) -> int:
    """Files under the root (no archive members): the progress bar's first estimate."""
    if not root.is_dir():
        return 1
    return sum(len(files) for _, _, files in os.walk(root))
