"""The admin's view of accounts: every account with its roles and state, and the roles
that require a second factor.

``accounts.list_accounts`` answers anyone (who else works here); this overview is the
accounts screen of an admin, and so is refused, and the refusal audited, to others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.governance import access, authentication
from genkend.governance.access import ADMINS, Account
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class AccountState:
    """An account, its second factor (whether sign-in asks for a code, its own
    confirmed key or a role requiring one, and whether it has confirmed a key), and
    the end of its lock after failed sign-ins (None: not locked)."""

    account: Account
    needs_code: bool
    confirmed: bool
    locked_until: str | None

    def as_dict(self) -> dict[str, Any]:
        second = {"needs_code": self.needs_code, "confirmed": self.confirmed}
        return {
            **self.account.as_dict(),
            "second_factor": second,
            "locked_until": self.locked_until,
        }


@dataclass(frozen=True)
class AccountsOverview:
    """The accounts in name order, every role, and the roles that require a code."""

    accounts: tuple[AccountState, ...]
    roles: tuple[str, ...]
    mfa_roles: frozenset[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": [a.as_dict() for a in self.accounts],
            "roles": list(self.roles),
            "mfa_roles": sorted(self.mfa_roles),
        }


@service("user overview", ADMINS)
def overview(session: Session) -> AccountsOverview:
    """Every account with its roles, whether it is enabled or locked, and its second
    factor."""
    with session.store.read() as conn:
        states = tuple(
            AccountState(
                a,
                *authentication.needs_second_factor(conn, a.name),
                authentication.locked_until(conn, a.name),
            )
            for a in access.list_accounts(conn)
        )
        required = frozenset(authentication.mfa_roles(conn))
    return AccountsOverview(states, access.ROLES, required)
