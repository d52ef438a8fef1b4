"""``genkend db``: the schema revision of the store and its migration."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json
from genkend.governance import audit
from genkend.governance.access import ADMINS, ANYONE


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="The store's schema: show and upgrade.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade(ctx: typer.Context) -> None:
        """Migrate the store to this genkend's schema (opening a workspace does it too)."""
        ctx_of(ctx).need("db upgrade", ADMINS)
        ws = ctx_of(ctx).workspace()
        before, after = ws.store.upgrade()
        console.print(f"{ws.store.display_url}: schema at revision {after}")
        if before != after:
            with ws.store.begin() as conn:
                audit.record(
                    conn, ws.actor, "store.migrate", "store", {"from": before, "to": after}
                )

    @db.command("current")
    def current(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Show the store's URL, its schema revision and the newest one this genkend knows."""
        ctx_of(ctx).need("db current", ANYONE)
        ws = ctx_of(ctx).workspace()
        info = {
            "url": ws.store.display_url,
            "dialect": ws.store.dialect,
            "revision": ws.store.current_revision(),
            "head": ws.store.head_revision(),
        }
        if as_json:
            print_json(info)
        else:
            console.print(
                f"{info['url']} ({info['dialect']}): revision {info['revision']} "
                f"(newest known: {info['head']})"
            )
