"""The admin's view of accounts: every account with its roles and state.

``accounts.list_accounts`` answers anyone (who else works here); this overview is the
accounts screen of an admin, and so is refused, and the refusal audited, to others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genkend.governance import access
from genkend.governance.access import ADMINS, Account
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class AccountsOverview:
    """The accounts, in name order, and the roles there are."""

    accounts: tuple[Account, ...]
    roles: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"accounts": [a.as_dict() for a in self.accounts], "roles": list(self.roles)}


@service("user overview", ADMINS)
def overview(session: Session) -> AccountsOverview:
    """Every account with its roles and whether it is enabled."""
    with session.store.read() as conn:
        return AccountsOverview(tuple(access.list_accounts(conn)), access.ROLES)
