"""``genkend case``: create, list and show cases."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table, shown
from genkend.services import cases

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    case = typer.Typer(help="Cases: create, list, show, members.", no_args_is_help=True)
    app.add_typer(case, name="case")
    register_members(case)

    @case.command("create")
    def create(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The agency's case reference.")],
        title: Annotated[str, typer.Option("--title", help="A short title.")],
        description: Annotated[str, typer.Option("--description", help="Free text.")] = "",
    ) -> None:
        """Create a case; its creator becomes a member."""
        created = cases.create(ctx_of(ctx).session(), case_id, title, description)
        console.print(f"created case {created.id}: {shown(created.title)}")

    @case.command("list")
    def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
        """List the cases you are a member of (auditors and admins: every case)."""
        found = cases.list_cases(ctx_of(ctx).session())
        if as_json:
            print_json([c.as_dict() for c in found])
            return
        print_table(
            "cases",
            ["id", "title", "status", "created", "by"],
            [[c.id, c.title, c.status, c.created_at, c.created_by] for c in found],
        )

    @case.command("show")
    def show(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case reference.")],
        as_json: JsonFlag = False,
    ) -> None:
        """Show one case and its evidence sources (members, auditors and admins)."""
        view = cases.show(ctx_of(ctx).session(), case_id)
        sources = view.sources
        if as_json:
            print_json(view.as_dict())
            return
        for key, value in view.case.as_dict().items():
            console.print(f"{key:12} {shown(value)}")
        if sources:
            print_table(
                "evidence sources",
                ["source", "status", "what to do", "error", "root"],
                [[x.source_id, x.status, x.advice or "", x.error or "", x.root] for x in sources],
            )
            for x in sources:
                if x.sha256:
                    console.print(f"{shown(x.source_id)}: sha256 ({x.hash_scope}) {x.sha256}")


def register_members(case: typer.Typer) -> None:
    member = typer.Typer(help="Who works on a case (need-to-know).", no_args_is_help=True)
    case.add_typer(member, name="member")

    @member.command("add")
    def add(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case.")],
        account: Annotated[str, typer.Argument(help="The account to add.")],
    ) -> None:
        """Make an account a member of a case (its creator or a supervisor who is a member)."""
        cases.add_member(ctx_of(ctx).session(), case_id, account)
        console.print(f"{account} is a member of case {case_id}")

    @member.command("remove")
    def remove(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case.")],
        account: Annotated[str, typer.Argument(help="The account to remove.")],
    ) -> None:
        """Remove an account from a case (its creator or a supervisor who is a member)."""
        cases.remove_member(ctx_of(ctx).session(), case_id, account)
        console.print(f"{account} is no longer a member of case {case_id}")

    @member.command("list")
    def list_members(
        ctx: typer.Context,
        case_id: Annotated[str, typer.Argument(help="The case.")],
        as_json: JsonFlag = False,
    ) -> None:
        """The members of a case (auditors; supervisors and admins who are members)."""
        found = cases.list_members(ctx_of(ctx).session(), case_id)
        if as_json:
            print_json(found)
            return
        print_table(
            f"members of case {case_id}",
            ["account", "added", "by"],
            [[m["account"], m["added_at"], m["added_by"]] for m in found],
        )
