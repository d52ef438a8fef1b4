"""``genkend partner``: the registry of partner units' public keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.services import partners


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Partner units: add, list, revoke.", no_args_is_help=True)
    app.add_typer(group, name="partner")

    @group.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The partner unit's name.")],
        key: Annotated[Path, typer.Option("--key", help="The partner's public key file.")],
        fingerprint: Annotated[
            str | None,
            typer.Option("--fingerprint", help="The key's SHA-256, as the partner read it out."),
        ] = None,
    ) -> None:
        """Register a partner's public key (admins)."""
        made = partners.add(ctx_of(ctx).session(), name, key, fingerprint)
        checked = "fingerprint checked" if fingerprint else "fingerprint NOT checked"
        console.print(f"partner {made.name} added: key id {made.key_id} ({checked})")

    @group.command("list")
    def listed(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Partners with their key ids; revoked ones stay, marked."""
        found = partners.listed(ctx_of(ctx).session())
        if as_json:
            print_json([p.as_dict() for p in found])
            return
        rows = [
            [p.name, p.key_id, p.added_at, p.revoked_at or "", p.revoked_by or ""] for p in found
        ]
        print_table("partners", ["name", "key id", "added", "revoked", "revoked by"], rows)

    @group.command("revoke")
    def revoke(
        ctx: typer.Context, name: Annotated[str, typer.Argument(help="The partner.")]
    ) -> None:
        """Mark a partner revoked (kept, with time and actor)."""
        done = partners.revoke(ctx_of(ctx).session(), name)
        console.print(f"partner {done.name} revoked at {done.revoked_at}")
