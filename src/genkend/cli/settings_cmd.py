"""``genkend settings``: the effective settings and where each value came from."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import ctx_of, print_json, print_table


def register(app: typer.Typer) -> None:
    @app.command("settings")
    def settings(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Show the effective settings, their origin and their help text."""
        home, effective = ctx_of(ctx).effective()
        rows = effective.as_rows()
        if as_json:
            print_json({"home": str(home), "settings": rows})
            return
        print_table(
            f"settings for workspace {home}",
            ["name", "value", "origin", "help"],
            [[r["name"], r["value"], r["origin"], r["help"]] for r in rows],
        )
