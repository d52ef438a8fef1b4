"""``genkend export``: a case's media in the formats other tools read (VICS 2.0)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend import catalog
from genkend.cli.context import console, ctx_of
from genkend.errors import WorkspaceError
from genkend.exchange import VicsCase, write_vics
from genkend.governance import audit, cases
from genkend.governance.access import INVESTIGATORS, require_purpose
from genkend.hashes import digests as hashing


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
        ctx_of(ctx).need("export vics", INVESTIGATORS, case)
        ws = ctx_of(ctx).workspace()
        require_purpose(purpose, legal_basis, "an export")
        partial = output.with_name(output.name + ".partial")
        try:
            with ws.store.read() as conn, partial.open("w", encoding="utf-8") as out:
                cases.get(conn, case)
                count = catalog.count_media(conn, case)
                write_vics(out, VicsCase(case_id=case, media=catalog.vics_media(conn, case)))
            partial.replace(output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise WorkspaceError(f"cannot write {output}: {exc.strerror or exc}") from exc
        with output.open("rb") as written:
            digest = hashing.digest(written).sha256
        with ws.store.begin() as conn:
            audit.record(
                conn,
                ws.actor,
                "export.vics",
                f"case:{case}",
                {
                    "file": str(output.absolute()),
                    "sha256": digest,
                    "purpose": purpose,
                    "legal_basis": legal_basis,
                    "media": count,
                },
            )
        console.print(f"wrote {count} media records of case {case} to {output} (sha256 {digest})")
