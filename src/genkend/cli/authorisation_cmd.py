"""``genkend authorisation``: supervisors record authorisations for gallery searches."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.governance import authorisations
from genkend.governance.access import SUPERVISORS


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
        ] = authorisations.GALLERY_SEARCH,
    ) -> None:
        """Record an authorisation granted for gallery searches in a case (its supervisors)."""
        context = ctx_of(ctx)
        context.need("authorisation grant", SUPERVISORS, case)
        ws = context.workspace()
        with ws.store.begin() as conn:
            auth_id = authorisations.grant(
                conn,
                ws.actor,
                case,
                authority,
                reference,
                authorisations.parse_until(valid_until),
                scope,
            )
        console.print(f"authorisation {auth_id} recorded for case {case}")

    @group.command("refuse")
    def refuse(
        ctx: typer.Context,
        auth_id: Annotated[int, typer.Argument(help="The authorisation.")],
        note: Annotated[str, typer.Option("--note", help="Why (the authority's decision).")],
    ) -> None:
        """Record that an authorisation was refused: searches stop, results are marked."""
        context = ctx_of(ctx)
        ws = context.workspace()
        with ws.store.read() as conn:
            case = authorisations.case_of(conn, auth_id)
        context.need("authorisation refuse", SUPERVISORS, case)
        with ws.store.begin() as conn:
            marked = authorisations.refuse(conn, ws.actor, auth_id, note)
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
        context = ctx_of(ctx)
        context.oversee("authorisation list", case)
        with context.workspace().store.read() as conn:
            found = authorisations.list_for(conn, case)
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
