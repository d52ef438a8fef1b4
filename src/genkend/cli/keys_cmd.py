"""``genkend keys``: the unit's signing key (init, show, export-public).

The passphrase comes from ``GENKEND_KEY_PASSPHRASE`` or, when that is unset, from a
prompt that does not echo; it is never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.governance.keys import PASSPHRASE_ENV
from genkend.services import keys


def passphrase(confirm: bool) -> str:
    """The key passphrase: from the environment, else asked for without echo."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    return str(typer.prompt("key passphrase", hide_input=True, confirmation_prompt=confirm))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The unit's signing key.", no_args_is_help=True)
    app.add_typer(group, name="keys")

    @group.command("init")
    def init(
        ctx: typer.Context,
        rotate: Annotated[
            bool,
            typer.Option("--rotate", help="Replace the key; the old public key stays, retired."),
        ] = False,
    ) -> None:
        """Create the unit's Ed25519 key, encrypted with a passphrase (admins)."""
        made = keys.init(ctx_of(ctx).session(), lambda: passphrase(confirm=True), rotate)
        console.print(f"unit key {'rotated' if rotate else 'created'}: key id {made.key_id}")

    @group.command("show")
    def show(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """The unit's keys: key id (SHA-256 fingerprint), created, retired."""
        found = keys.show(ctx_of(ctx).session())
        if as_json:
            print_json([k.as_dict() for k in found])
            return
        rows = [[k.key_id, k.created_at, k.created_by, k.retired_at or "current"] for k in found]
        print_table("unit keys", ["key id", "created", "by", "retired"], rows)

    @group.command("export-public")
    def export_public(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
        as_json: Annotated[
            bool, typer.Option("--json", help="Write JSON with the key id instead of PEM.")
        ] = False,
    ) -> None:
        """Write the unit's public key for a partner (never the private key)."""
        found = keys.export_public(ctx_of(ctx).session(), output, as_json)
        console.print(f"public key {found.key_id} written to {output}")
