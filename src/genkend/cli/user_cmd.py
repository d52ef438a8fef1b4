"""``genkend user``: accounts and roles (admins), the very first account, and the
credentials of the web and API (passwords, tokens, the second factor)."""

from __future__ import annotations

import functools
import sys
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.governance import access
from genkend.services import accounts, authentication

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (for the web and API)."
    ),
]


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    return sys.stdin.readline().rstrip("\n")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Accounts: add, list, disable, password, tokens, second factor.", no_args_is_help=True
    )
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
        session = ctx_of(ctx).session()
        ask = functools.partial(_password, password_stdin)
        created = access.create_first_account(
            session.store, session.actor, name, role, ask
        ) or accounts.add(session, name, role, ask)
        console.print(f"account {created.name} added with roles {', '.join(sorted(created.roles))}")

    @group.command("list")
    def list_(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """List the accounts and their roles."""
        found = [a.as_dict() for a in accounts.list_accounts(ctx_of(ctx).session())]
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
        accounts.disable(ctx_of(ctx).session(), name)
        console.print(f"account {name} disabled")

    @group.command("password")
    def password(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        password_stdin: PasswordStdin = True,
    ) -> None:
        """Set an account's password (for the web and API), read from standard input.

        Admins set it only for accounts that are members of no case."""
        ask = functools.partial(_password, password_stdin)
        accounts.set_password(ctx_of(ctx).session(), name, ask)
        console.print(f"password of {name} set")

    _credential_commands(group)


def _credential_commands(group: typer.Typer) -> None:
    @group.command("token")
    def token(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        label: Annotated[str, typer.Option("--label", help="What the token is for.")],
        days: Annotated[int, typer.Option("--days", help="Days until it expires.")] = 90,
    ) -> None:
        """Issue an API token for scripts; it is shown once and stored only as a digest.

        Admins issue one only for accounts that are members of no case."""
        issued = authentication.issue_token(ctx_of(ctx).session(), name, label, days)
        sys.stdout.write(issued + "\n")

    @group.command("tokens")
    def tokens(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """List an account's API tokens (never the tokens themselves)."""
        found = [t.as_dict() for t in authentication.list_tokens(ctx_of(ctx).session(), name)]
        if as_json:
            print_json(found)
            return
        columns = ["id", "label", "created_at", "expires_at", "last_used_at", "revoked_at"]
        print_table(f"tokens of {name}", columns, [[t[c] or "" for c in columns] for t in found])

    @group.command("token-revoke")
    def token_revoke(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        token_id: Annotated[int, typer.Argument(help="The token's id (see 'user tokens').")],
    ) -> None:
        """Revoke an API token: it no longer authenticates."""
        authentication.revoke_token(ctx_of(ctx).session(), name, token_id)
        console.print(f"token {token_id} of {name} revoked")

    @group.command("totp")
    def totp(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The account.")]) -> None:
        """Enrol a TOTP second factor: prints its otpauth:// URI once (for an
        authenticator app); confirm it with 'user totp-confirm'."""
        uri = authentication.enrol_totp(ctx_of(ctx).session(), name)
        sys.stdout.write(uri + "\n")

    @group.command("totp-confirm")
    def totp_confirm(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The account.")],
        code: Annotated[str, typer.Option("--code", help="The authenticator's current code.")],
    ) -> None:
        """Confirm the enrolled second factor; from then on sign-ins need a code."""
        authentication.confirm_totp(ctx_of(ctx).session(), name, code)
        console.print(f"second factor of {name} confirmed")

    @group.command("require-mfa")
    def require_mfa(
        ctx: typer.Context,
        role: Annotated[str, typer.Argument(help=f"A role ({', '.join(access.ROLES)}).")],
        off: Annotated[bool, typer.Option("--off", help="Stop requiring a second factor.")] = False,
    ) -> None:
        """Require a second factor (TOTP) at sign-in of every account holding ROLE."""
        authentication.require_mfa(ctx_of(ctx).session(), role, not off)
        state = "no longer requires" if off else "requires"
        console.print(f"role {role} {state} a second factor at sign-in")
