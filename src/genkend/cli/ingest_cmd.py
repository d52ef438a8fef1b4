"""``genkend ingest``: analyse evidence into a case, with progress and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.cli.evidence_cmd import verdict
from genkend.hashes.ingest_run import Summary
from genkend.services import ingest


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_(
        ctx: typer.Context,
        sources: Annotated[list[Path], typer.Argument(help="Folders or files (archives too).")],
        case: Annotated[str, typer.Option("--case", help="The case to ingest into.")],
        source_id: Annotated[
            str | None, typer.Option("--source-id", help="Evidence id (default: the name).")
        ] = None,
        workers: Annotated[
            int | None, typer.Option("--workers", help="Worker processes (0: in-process).")
        ] = None,
        no_faces: Annotated[bool, typer.Option("--no-faces", help="Skip face analysis.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
    ) -> None:
        """Ingest evidence: hash, decode, triage against hash sets, record every file."""
        session = ctx_of(ctx).session()
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} files/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json or not err_console.is_terminal,
            transient=False,
        ) as bar:
            task = bar.add_task("ingest", total=None, rate="-")

            def show(done: int, total: int | None) -> None:
                speed = bar.tasks[0].speed
                bar.update(task, completed=done, total=total, rate=f"{speed:.1f}" if speed else "-")

            summaries = ingest.run(session, case, sources, source_id, workers, show, not no_faces)
        if as_json:
            print_json([s.as_dict() for s in summaries])
        else:
            _show(summaries, case)
        verified = [verdict(v, quiet=as_json) for s in summaries for v in s.verifications]
        if not all(verified):
            raise typer.Exit(1)


def _show(summaries: list[Summary], case: str) -> None:
    labels = {
        "listed": "files listed",
        "skipped_done": "already recorded (skipped)",
        "locations": "locations recorded",
        "new_media": "new distinct contents",
        "existing_media": "contents seen before",
        "known": "known (categorised)",
        "non_pertinent": "known, non-pertinent",
        "near_known": "look-alikes of known",
        "similar_pairs": "near-duplicate pairs in case",
        "faces": "faces found",
        "errors": "recorded with an error",
        "unrecorded": "not recorded (see the audit trail)",
        "seconds": "seconds",
        "items_per_s": "files per second",
    }
    for summary in summaries:
        data = summary.as_dict()
        print_table(
            f"ingest of {summary.source_id} into case {case}",
            ["", "count"],
            [[label, _count(data[key])] for key, label in labels.items()],
        )
        for found in summary.verifications:
            console.print(
                f"{found['stage']}: {found['container']} image, "
                f"{found['bytes']} bytes, sha256 {found['sha256']}"
            )
        if data["source"] is not None:
            _print_source(summary.source_id, data["source"])
    console.print("details: genkend media list --case " + case)


def _count(value: object) -> object:
    return len(value) if isinstance(value, list) else value


def _print_source(source_id: str, found: dict[str, Any]) -> None:
    """The whole source as recorded (every run of it): kinds, deleted, errors, hash."""
    rows: list[list[object]] = [["items recorded", found["items"]]]
    rows += [[f"  {kind}", count] for kind, count in found["by_kind"].items()]
    rows += [["deleted (in its file system)", found["deleted"]]]
    rows += [["with an error", found["errors"]]]
    rows += [[f"  {kind}", count] for kind, count in found["errors_by_kind"].items()]
    rows += [["bytes read", found["bytes_read"]]]
    print_table(f"source {source_id} as recorded (all runs)", ["", "count"], rows)
    covers = SOURCE_HASH_COVERS.get(found["hash_scope"], "")
    console.print(f"sha256 ({covers}): {shown(found['sha256'] or found['hash_error'])}")


SOURCE_HASH_COVERS = {
    "image": "the disk image's media data",
    "file": "the evidence file",
    "manifest": "manifest of what was recorded",
    None: "not computed",
}
