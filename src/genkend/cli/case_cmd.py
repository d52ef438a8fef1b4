"""``genkend case``: create, list and show cases."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend import cases
from genkend.cli.context import console, ctx_of, print_json, print_table

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    case = typer.Typer(help="Cases: create, list, show.", no_args_is_help=True)
    app.add_typer(case, name="case")

    @case.command("create")
    def create(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The agency's case reference.")],
        title: Annotated[str, typer.Option("--title", help="A short title.")],
        description: Annotated[str, typer.Option("--description", help="Free text.")] = "",
    ) -> None:
        """Create a case."""
        ws = ctx_of(ctx).workspace()
        created = cases.create(ws.store, ws.actor, case_id, title, description)
        console.print(f"created case {created.id}: {created.title}")

    @case.command("list")
    def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
        """List every case."""
        found = cases.list_all(ctx_of(ctx).workspace().store)
        if as_json:
            print_json([c.as_dict() for c in found])
            return
        print_table(
            "cases",
            ["id", "title", "status", "created", "by"],
            [[c.id, c.title, c.status, c.created_at, c.created_by] for c in found],
        )

    @case.command("show")
    def show(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case reference.")],
        as_json: JsonFlag = False,
    ) -> None:
        """Show one case."""
        with ctx_of(ctx).workspace().store.read() as conn:
            found = cases.get(conn, case_id)
        if as_json:
            print_json(found.as_dict())
            return
        for key, value in found.as_dict().items():
            console.print(f"{key:12} {value}")
