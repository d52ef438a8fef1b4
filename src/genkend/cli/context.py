"""What every command receives: the global options and a lazily opened workspace."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from genkend import access, cases
from genkend.access import Account, Need
from genkend.settings import Effective
from genkend.workspace import Workspace, open_workspace, resolve


@dataclass
class Context:
    home: Path | None
    flags: dict[str, Any]
    _workspace: Workspace | None = field(default=None, repr=False)

    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = open_workspace(self.home, self.flags)
        return self._workspace

    def need(self, action: str, roles: frozenset[str], case: str | None = None) -> Account:
        """The acting account, if it holds one of ``roles`` (and is a member of ``case``).

        An unknown case is reported as such first; every refusal is audited.
        """
        ws = self.workspace()
        if case is not None:
            with ws.store.read() as conn:
                cases.get(conn, case, allow_erased=True)
        return access.require(ws.store, ws.actor, Need(action, roles, case))

    def oversee(self, action: str, case: str) -> Account:
        """Oversight records of one case: auditors for every case, supervisors and admins
        for the cases they are members of."""
        account = self.need(action, access.OVERSIGHT)
        if account.roles & access.AUDITORS:
            with self.workspace().store.read() as conn:
                cases.get(conn, case, allow_erased=True)
            return account
        return self.need(action, access.OVERSIGHT, case)

    def manage_members(self, action: str, case: str) -> Account:
        """Membership is changed only by a member: the case's creator or a supervisor."""
        ws = self.workspace()
        with ws.store.read() as conn:
            cases.get(conn, case)
            need = access.membership_need(conn, ws.actor, case, action)
        return access.require(ws.store, ws.actor, need)

    def effective(self) -> tuple[Path, Effective]:
        return resolve(self.home, self.flags)

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


console = Console(highlight=False, soft_wrap=True)
err_console = Console(highlight=False, soft_wrap=True, stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
