"""``genkend retention``: erase what the retention periods make due, and erase a case.

Both commands sit in one group so that everything that erases is found in one place;
the issue's ``case erase`` is ``genkend retention erase-case`` here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table
from genkend.governance import retention
from genkend.services import retention as erasure

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Retention and erasure: erase what is due, erase a case.", no_args_is_help=True
    )
    app.add_typer(group, name="retention")

    @group.command("run")
    def run(
        ctx: typer.Context,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Only list what is due; change nothing.")
        ] = False,
        force_compact: Annotated[
            bool,
            typer.Option("--compact", help="Compact the database files even when nothing is due."),
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Erase what the retention settings make due, then compact the database (admins)."""
        report = erasure.run(ctx_of(ctx).session(), dry_run, force_compact)
        if as_json:
            print_json(report.as_dict())
        else:
            _show_report(report)
        _fail_unless_compacted(report)

    @group.command("erase-case")
    def erase_case(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case whose content is erased.")],
        reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")],
        yes: Annotated[
            bool, typer.Option("--yes", help="Confirm: the erasure cannot be undone.")
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Erase all content of a case; its id, authorisations and audit chain stay
        (admins and supervisors who are members of the case)."""
        done = erasure.erase_case(ctx_of(ctx).session(), case_id, reason, confirmed=yes)
        if as_json:
            print_json(done.as_dict())
        else:
            console.print(
                f"erased case {case_id}: {sum(done.rows.values())} rows, "
                f"{done.audit_details_erased} audit details; "
                f"{done.search_logs_kept} search logs kept until their retention ends"
            )
        _fail_unless_compacted(done)


def _show_report(report: retention.RetentionReport) -> None:
    title = "retention (dry run: nothing erased)" if report.dry_run else "retention"
    print_table(
        title,
        ["kind", "period (days)", "older than", "erased" if not report.dry_run else "due"],
        [[e.kind, e.period_days, e.cutoff, e.count] for e in report.erasures],
    )
    if report.kept:
        console.print(f"kept (period 0): {', '.join(report.kept)}")
    if report.derived_removed:
        console.print(f"removed {report.derived_removed} cached search index file(s)")
    if report.compaction and report.compaction.complete:
        console.print(f"compacted: {report.compaction.detail}")


def _fail_unless_compacted(done: retention.RetentionReport | retention.CaseErasure) -> None:
    compaction = done.compaction
    if compaction is None or compaction.complete:
        return
    err_console.print(
        f"erased in the database, but the files were not compacted: {compaction.detail}; "
        "run 'genkend retention run --compact' again when nothing else uses the database",
        style="bold red",
    )
    raise typer.Exit(1)
