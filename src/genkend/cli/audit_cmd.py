"""``genkend audit``: verify the hash chain and read the events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.cli.keys_cmd import passphrase
from genkend.errors import UsageError
from genkend.governance import audit
from genkend.services import audit as trail
from genkend.services import checkpoints


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
        checkpoint: Annotated[
            list[Path] | None,
            typer.Option(
                "--checkpoint",
                help="A signed checkpoint file (repeatable): prove the chain extends it.",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Check the hash chain; exit 1 naming the first bad event."""
        context = ctx_of(ctx)
        server = context.remote()
        if checkpoint:
            if server is not None:
                raise UsageError("'audit verify --checkpoint' runs on the workspace itself")
            _verify_checkpoints(checkpoints.verify(context.session(), checkpoint), as_json)
            return
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

    @group.command("checkpoint")
    def checkpoint(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    ) -> None:
        """Sign the chain's head with the unit key; write it to FILE and print it."""
        written = checkpoints.write(ctx_of(ctx).session(), output, passphrase(confirm=False))
        made = written.checkpoint
        err_console.print(f"checkpoint of event {made.seq} ({made.head_digest}) in {output}")
        console.print(written.envelope_json.rstrip("\n"))

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


def _verify_checkpoints(found: Any, as_json: bool) -> None:
    """Print an ``AnchorCheck``; exit 1 naming the first bad event."""
    if as_json:
        print_json(found.as_dict())
    else:
        for item in found.checked:
            line = f"{item.file}: {'ok' if item.ok else 'FAILED'}: {shown(item.reason)}"
            (console if item.ok else err_console).print(line)
        _print_chain_only(found.chain)
        if not found.ok:
            err_console.print(
                f"audit trail BROKEN: first bad event {found.first_bad_seq}", style="bold red"
            )
    if not found.ok:
        raise typer.Exit(1)


def _print_chain_only(chain: audit.Verification) -> None:
    if chain.ok:
        console.print(f"audit chain intact: {chain.count} events, head {chain.head_seq}")
    else:
        err_console.print(f"audit chain BROKEN at event {chain.first_bad_seq}: {chain.reason}")
