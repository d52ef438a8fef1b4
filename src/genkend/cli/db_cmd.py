"""``genkend db``: the schema revision of the store and its migration."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json
from genkend.services import maintenance


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="The store's schema: show and upgrade.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade(ctx: typer.Context) -> None:
        """Migrate the store to this genkend's schema (opening a workspace does it too)."""
        done = maintenance.upgrade(ctx_of(ctx).session())
        console.print(f"{done.url}: schema at revision {done.after}")

    @db.command("current")
    def current(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Show the store's URL, its schema revision and the newest one this genkend knows."""
        info = maintenance.current(ctx_of(ctx).session()).as_dict()
        if as_json:
            print_json(info)
        else:
            console.print(
                f"{info['url']} ({info['dialect']}): revision {info['revision']} "
                f"(newest known: {info['head']})"
            )
