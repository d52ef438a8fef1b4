"""Accounts and their passwords: add, list, disable, password (tokens and the second
factor: ``services.authentication``).

Admins manage accounts; anyone sets their own password and issues their own tokens. An
admin sets another account's password or token only while that account is a member of
no case (``access.require_outside_cases``), so account management never hands an admin
a member's credentials. The very first account of a workspace passes no gate
(``access.create_first_account``). A password is passed as a function that gives it
(``Ask``): it is asked for (the CLI reads standard input) only once the caller may set it.
"""

from __future__ import annotations

from collections.abc import Callable

from genkend.errors import UsageError
from genkend.governance import access
from genkend.governance.access import ADMINS, ANYONE, Account, Need
from genkend.services.registry import service
from genkend.services.session import Session

Ask = Callable[[], "str | None"]


@service("user add", ADMINS)
def add(session: Session, name: str, roles: list[str], password: Ask | None = None) -> Account:
    """A new account with ``roles`` (and a password for the web and API)."""
    secret = password() if password else None
    with session.store.begin() as conn:
        return access.create_account(conn, session.actor, name, roles, secret)


@service("user whoami", ANYONE)
def whoami(session: Session) -> Account:
    """The calling account, as the gate checked it (enabled, with its roles)."""
    return session.caller


@service("user list", ANYONE)
def list_accounts(session: Session) -> list[Account]:
    """Every account and its roles."""
    with session.store.read() as conn:
        return access.list_accounts(conn)


@service("user disable", ADMINS)
def disable(session: Session, name: str) -> None:
    """The account can no longer act; its history stays."""
    with session.store.begin() as conn:
        access.set_enabled(conn, session.actor, name, False)


def _may_set_credentials(session: Session, name: str, action: str) -> None:
    """One's own credentials, or (admins) those of an account outside every case."""
    if session.caller.name == name:
        return
    access.require(session.store, session.actor, Need(action, ADMINS))
    access.require_outside_cases(session.store, session.actor, name, action)


@service("user password", ANYONE)
def set_password(session: Session, name: str, password: Ask) -> None:
    """Set the account's password (for the web and API)."""
    _may_set_credentials(session, name, "user password")
    secret = password()
    if secret is None:
        raise UsageError("give the password on standard input with --password-stdin")
    with session.store.begin() as conn:
        access.set_password(conn, session.actor, name, secret)
