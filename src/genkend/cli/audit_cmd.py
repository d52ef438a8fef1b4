"""``genkend audit``: verify the hash chain and read the events."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.governance import audit
from genkend.services import audit as trail


def _print_search_check(checked: dict[str, Any]) -> None:
    problems = checked["search_problems"]
    if not problems:
        console.print(
            f"biometric searches: {checked['searches_checked']} checked, each with purpose, "
            f"legal basis and (gallery) a valid authorisation; {checked['searches_erased']} "
            "erased by retention"
        )
        return
    for problem in problems:
        err_console.print(f"search check FAILED: {shown(problem['message'])}", style="bold red")


def _print_chain(checked: dict[str, Any]) -> None:
    """A verification as ``ChainCheck.as_dict()`` gives it (local) or the server sends it."""
    if checked["ok"]:
        console.print(
            f"audit chain intact: {checked['count']} events, "
            f"head {checked['head_seq']}:{checked['head_digest']}"
        )
    else:
        err_console.print(
            f"audit chain BROKEN at event {checked['first_bad_seq']}: {checked['reason']}",
            style="bold red",
        )
    _print_search_check(checked)


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
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            checked = server.audit_verify(anchor)
        else:
            checked = trail.verify(context.session(), anchor).as_dict()
        if as_json:
            print_json(checked)
        else:
            _print_chain(checked)
        if not checked["ok"] or checked["search_problems"]:
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
