"""``genkend hashset``: import known hash sets (VICS, ICSE, NSRL, plain) and list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.hashes.sets import FORMATS
from genkend.services import hashsets

SHOWN_PROBLEMS = 10


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Known hash sets: import and list.", no_args_is_help=True)
    app.add_typer(group, name="hashset")

    @group.command("import")
    def import_(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="The hash-set file.")],
        name: Annotated[str, typer.Option("--name", help="A unique name for this set.")],
        fmt: Annotated[
            str | None,
            typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: detected)."),
        ] = None,
        non_pertinent: Annotated[
            bool,
            typer.Option(
                "--non-pertinent",
                help="Every entry is a known, irrelevant file (operating system, software).",
            ),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Import a hash set; bad items are reported with their position, the rest imports.

        A file with no usable entry is refused, and so is one that is not a regular file
        or is hostile (JSON nested deeper than 64 levels, a JSON key over 256 characters).
        """
        session = ctx_of(ctx).session()
        result = hashsets.import_set(session, file, name, fmt, non_pertinent)
        if as_json:
            print_json(result.as_dict())
            return
        if result.unchanged:
            console.print(f"hash set {name} already imported from this file; nothing changed")
            return
        console.print(
            f"imported {result.entries} entries into hash set {name} "
            f"({result.format}), {result.problem_count} problem(s)"
        )
        for problem in result.problems[:SHOWN_PROBLEMS]:
            err_console.print(f"  {shown(problem.position)}: {shown(problem.message)}")
        if result.problem_count > SHOWN_PROBLEMS:
            err_console.print(
                f"  ... and {result.problem_count - SHOWN_PROBLEMS} more "
                "(all counted in the audit event)"
            )

    @group.command("list")
    def list_(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """List the imported hash sets."""
        found = hashsets.list_sets(ctx_of(ctx).session())
        if as_json:
            print_json(found)
            return
        print_table(
            "hash sets",
            ["name", "format", "entries", "with PDQ", "problems", "imported", "by"],
            [
                [
                    s["name"],
                    s["format"],
                    s["entries"],
                    s["with_pdq"],
                    s["problems"],
                    s["imported_at"],
                    s["imported_by"],
                ]
                for s in found
            ],
        )
