"""``genkend authorisation``: supervisors record authorisations for gallery searches."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.governance import authorisations as rules
from genkend.services import authorisations


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Authorisations for gallery searches: grant, refuse, list.", no_args_is_help=True
    )
    app.add_typer(group, name="authorisation")

    @group.command("grant")
    def grant(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case it is for.")],
        authority: Annotated[str, typer.Option("--authority", help="Who granted it.")],
        reference: Annotated[str, typer.Option("--reference", help="The decision's reference.")],
        valid_until: Annotated[
            str,
            typer.Option("--valid-until", help="Last day (YYYY-MM-DD) or ISO time it is valid."),
        ],
        scope: Annotated[
            str, typer.Option("--scope", help="What it allows.")
        ] = rules.GALLERY_SEARCH,
    ) -> None:
        """Record an authorisation granted for gallery searches in a case (its supervisors)."""
        auth_id = authorisations.grant(
            ctx_of(ctx).session(), case, authority, reference, valid_until, scope
        )
        console.print(f"authorisation {auth_id} recorded for case {case}")

    @group.command("refuse")
    def refuse(
        ctx: typer.Context,
        auth_id: Annotated[int, typer.Argument(help="The authorisation.")],
        note: Annotated[str, typer.Option("--note", help="Why (the authority's decision).")],
    ) -> None:
        """Record that an authorisation was refused: searches stop, results are marked."""
        marked = authorisations.refuse(ctx_of(ctx).session(), auth_id, note)
        console.print(
            f"authorisation {auth_id} refused; {marked} candidate(s) marked for "
            "deletion (genkend retention run erases them)"
        )

    @group.command("list")
    def list_(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case.")],
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """List a case's authorisations with their status (auditors; members)."""
        found = authorisations.list_authorisations(ctx_of(ctx).session(), case)
        if as_json:
            print_json(found)
            return
        print_table(
            f"authorisations of case {case}",
            ["id", "status", "authority", "reference", "valid until", "by"],
            [
                [
                    a["id"],
                    a["status"],
                    a["authority"],
                    a["reference"],
                    a["valid_until"],
                    a["recorded_by"],
                ]
                for a in found
            ],
        )
