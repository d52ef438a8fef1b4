"""``genkend export``: a case's media in the formats other tools read (VICS 2.0)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of
from genkend.services import exports


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Export a case for other tools.", no_args_is_help=True)
    app.add_typer(group, name="export")

    @group.command("vics")
    def vics(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case to export.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="The JSON file to write.")],
        purpose: Annotated[str, typer.Option("--purpose", help="Why this export is made.")],
        legal_basis: Annotated[str, typer.Option("--legal-basis", help="The legal basis.")],
    ) -> None:
        """Write a VICS 2.0 case export: every media item, its hashes and locations."""
        done = exports.vics(ctx_of(ctx).session(), case, output, purpose, legal_basis)
        console.print(
            f"wrote {done.media} media records of case {case} to {output} (sha256 {done.sha256})"
        )
