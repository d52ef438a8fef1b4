"""``genkend user``: accounts and roles (admins), and the very first account."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.errors import UsageError
from genkend.governance import access
from genkend.governance.access import ADMINS, ANYONE

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (for the web and API)."
    ),
]


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    return password


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Accounts: add, list, disable, password, token.", no_args_is_help=True)
    app.add_typer(group, name="user")

    @group.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account name.")],
        role: Annotated[
            list[str],
            typer.Option("--role", help=f"A role ({', '.join(access.ROLES)}); repeat for several."),
        ],
        password_stdin: PasswordStdin = False,
    ) -> None:
        """Add an account. In a new workspace the first account must be an admin."""
        context = ctx_of(ctx)
        ws = context.workspace()
        with ws.store.read() as conn:
            first = not access.has_accounts(conn)
        if first and "admin" not in role:
            raise UsageError("the first account of a workspace must have --role admin")
        if not first:
            context.need("user add", ADMINS)
        password = _password(password_stdin)
        with ws.store.begin() as conn:
            created = access.create_account(conn, ws.actor, name, role, password)
        console.print(f"account {created.name} added with roles {', '.join(sorted(created.roles))}")

    @group.command("list")
    def list_(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """List the accounts and their roles."""
        ws = ctx_of(ctx).workspace()
        ctx_of(ctx).need("user list", ANYONE)
        with ws.store.read() as conn:
            found = [a.as_dict() for a in access.list_accounts(conn)]
        if as_json:
            print_json(found)
            return
        print_table(
            "accounts",
            ["name", "roles", "enabled", "created", "by"],
            [
                [a["name"], ", ".join(a["roles"]), a["enabled"], a["created_at"], a["created_by"]]
                for a in found
            ],
        )

    @group.command("disable")
    def disable(
        ctx: typer.Context, name: Annotated[str, typer.Argument(help="The account.")]
    ) -> None:
        """Disable an account: it can no longer act (its history stays)."""
        context = ctx_of(ctx)
        context.need("user disable", ADMINS)
        ws = context.workspace()
        with ws.store.begin() as conn:
            access.set_enabled(conn, ws.actor, name, False)
        console.print(f"account {name} disabled")

    @group.command("password")
    def password(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        password_stdin: PasswordStdin = True,
    ) -> None:
        """Set an account's password (for the web and API), read from standard input.

        Admins set it only for accounts that are members of no case."""
        context = ctx_of(ctx)
        ws = context.workspace()
        if ws.actor.name != name:
            context.need("user password", ADMINS)
            access.require_outside_cases(ws.store, ws.actor, name, "user password")
        new = _password(password_stdin)
        if new is None:
            raise UsageError("give the password on standard input with --password-stdin")
        with ws.store.begin() as conn:
            access.set_password(conn, ws.actor, name, new)
        console.print(f"password of {name} set")

    @group.command("token")
    def token(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        label: Annotated[str, typer.Option("--label", help="What the token is for.")],
    ) -> None:
        """Issue an API token for scripts; it is shown once and stored only as a digest.

        Admins issue one only for accounts that are members of no case."""
        context = ctx_of(ctx)
        ws = context.workspace()
        if ws.actor.name != name:
            context.need("user token", ADMINS)
            access.require_outside_cases(ws.store, ws.actor, name, "user token")
        with ws.store.begin() as conn:
            issued = access.issue_token(conn, ws.actor, name, label)
        sys.stdout.write(issued + "\n")
