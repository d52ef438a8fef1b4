"""``genkend audit``: verify the hash chain and read the events."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.governance import audit, oversight
from genkend.services import audit as trail


def _print_search_check(searches: oversight.SearchCheck) -> None:
    if searches.ok:
        console.print(
            f"biometric searches: {searches.checked} checked, each with purpose, legal basis "
            f"and (gallery) a valid authorisation; {searches.erased} erased by retention"
        )
        return
    for problem in searches.problems:
        err_console.print(f"search check FAILED: {shown(problem.message)}", style="bold red")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The audit log: verify and show.", no_args_is_help=True)
    app.add_typer(group, name="audit")

    @group.command("verify")
    def verify(
        ctx: typer.Context,
        anchor: Annotated[
            str | None,
            typer.Option(
                "--anchor",
                help="SEQ:DIGEST of a head recorded earlier; detects events removed from the end.",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Check the hash chain; exit 1 naming the first bad event."""
        checked = trail.verify(ctx_of(ctx).session(), anchor)
        result, searches = checked.chain, checked.searches
        if as_json:
            print_json(checked.as_dict())
        elif result.ok:
            console.print(
                f"audit chain intact: {result.count} events, "
                f"head {result.head_seq}:{result.head_digest}"
            )
        else:
            err_console.print(
                f"audit chain BROKEN at event {result.first_bad_seq}: {result.reason}",
                style="bold red",
            )
        if not as_json:
            _print_search_check(searches)
        if not checked.ok:
            raise typer.Exit(1)

    @group.command("show")
    def show(
        ctx: typer.Context,
        since: Annotated[int, typer.Option("--since", help="Only events after this seq.")] = 0,
        action: Annotated[
            str | None, typer.Option("--action", help="Only this action (or prefix, 'case.*').")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Show audit events in order (auditors: all; others: those of their cases)."""
        found = trail.show(ctx_of(ctx).session(), since, action)
        if as_json:
            print_json([e.as_dict() for e in found])
            return
        print_table(
            "audit events",
            ["seq", "at", "actor", "host", "action", "subject", "detail"],
            [
                [
                    e.seq,
                    e.at,
                    e.actor,
                    e.host,
                    e.action,
                    e.subject,
                    audit.canonical_detail(e.detail),
                ]
                for e in found
            ],
        )
