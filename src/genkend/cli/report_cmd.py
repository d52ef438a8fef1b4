"""``genkend report``: oversight reports from the audit log (auditors, supervisors, admins)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.report import usage as rendering
from genkend.services import reports


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Oversight reports: usage of the system.", no_args_is_help=True)
    app.add_typer(group, name="report")

    @group.command("usage")
    def usage(
        ctx: typer.Context,
        start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD) or ISO time.")],
        end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD) or ISO time.")],
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
        ] = None,
    ) -> None:
        """Searches, refusals, identifications, denials, exports and erasures of a period."""
        made = reports.usage(ctx_of(ctx).session(), start, end, html)
        report = made.report
        if as_json:
            print_json(report)
        elif html is None:
            _print(report)
        else:
            console.print(f"wrote the usage report to {html} (sha256 {made.sha256})")


def _print(report: dict[str, Any]) -> None:
    period = report["period"]
    console.print(f"usage from {period['from']} to {period['to']}")
    console.print(
        "review outcomes: "
        + (", ".join(f"{k} {v}" for k, v in sorted(report["review_outcomes"].items())) or "none")
    )
    for title, key, columns in rendering.SECTIONS:
        rows = report[key]
        print_table(
            f"{title} ({len(rows)})",
            columns,
            [[rendering.cell_text(row.get(c)) for c in columns] for row in rows],
        )
