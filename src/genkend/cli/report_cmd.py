"""``genkend report``: oversight reports from the audit log (auditors, supervisors, admins)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.errors import WorkspaceError
from genkend.governance import access, audit, oversight
from genkend.governance.access import OVERSIGHT
from genkend.hashes import digests as hashing


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
        context = ctx_of(ctx)
        account = context.need("report usage", OVERSIGHT)
        within = oversight.period(start, end)
        ws = context.workspace()
        with ws.store.read() as conn:
            scope = access.audit_scope(conn, account)
            report = oversight.usage(conn, within, scope)
        written = _write_html(html, oversight.render_html(report)) if html else None
        with ws.store.begin() as conn:
            # a report carries personal data out of the system: its making is recorded
            audit.record(
                conn,
                ws.actor,
                "report.usage",
                "audit",
                {
                    "from": within.start,
                    "to": within.end,
                    "cases": "all" if scope is None else scope.as_detail(),
                    "file": str(html.absolute()) if html else None,
                    "sha256": written,
                },
            )
        if as_json:
            print_json(report)
        elif html is None:
            _print(report)
        else:
            console.print(f"wrote the usage report to {html} (sha256 {written})")


def _write_html(path: Path, text: str) -> str:
    """Write the page; returns its SHA-256, which the audit event records."""
    data = text.encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise WorkspaceError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return hashing.digest_bytes(data).sha256


def _print(report: dict[str, Any]) -> None:
    period = report["period"]
    console.print(f"usage from {period['from']} to {period['to']}")
    console.print(
        "review outcomes: "
        + (", ".join(f"{k} {v}" for k, v in sorted(report["review_outcomes"].items())) or "none")
    )
    for title, key, columns in oversight.SECTIONS:
        rows = report[key]
        print_table(
            f"{title} ({len(rows)})",
            columns,
            [[oversight.cell_text(row.get(c)) for c in columns] for row in rows],
        )
