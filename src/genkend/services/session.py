"""Who acts on which workspace: the one argument every use case in ``services`` takes.

A shell builds a ``Session`` once per command (the CLI from the local operator's account
name) or per request (the web app from its login session or an API token); the services
never look anywhere else to learn who is acting.

Invariant: ``account`` is set only by the gate in ``services.registry`` after it has
checked the account's roles and case membership; a service reads it through
``Session.caller``, never from the shell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from genkend.records import Actor

if TYPE_CHECKING:
    from genkend.governance.access import Account
    from genkend.settings import Settings
    from genkend.store import Store
    from genkend.workspace import Workspace


@dataclass(frozen=True)
class Session:
    """An actor on a workspace; ``caller`` is the checked account inside a service."""

    workspace: Workspace
    actor: Actor
    account: Account | None = field(default=None, compare=False)

    @property
    def store(self) -> Store:
        return self.workspace.store

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def caller(self) -> Account:
        """The account the gate checked; only services (behind the gate) may ask."""
        if self.account is None:
            raise RuntimeError("Session.caller is only known inside a service call")
        return self.account

    def checked(self, account: Account) -> Session:
        return replace(self, account=account)
