"""What every command receives: the global options and a lazily opened workspace (or,
with ``--server``, a lazily connected server), and the consoles and helpers every
command renders with.

With ``--server`` a command either asks the server (``remote()``) or, if it runs only
locally, is refused before it reads or writes anything: ``workspace()``, ``session()``
and ``effective()`` refuse while a server is named.

Invariant: text reaches the terminal literally. The consoles parse no Rich markup and no
emoji codes, and every string they print has its control characters made visible
(``shown``), so file names, titles and other stored or evidence-derived text cannot
restyle, hide or overwrite output; only genkend's own line breaks are kept. ``--json``
output is lossless JSON with those characters escaped.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from genkend.cli import remote
from genkend.errors import UsageError
from genkend.governance.local import local_actor
from genkend.services.session import Session
from genkend.settings import Effective
from genkend.workspace import Workspace, open_workspace, resolve


@dataclass
class Context:
    home: Path | None
    flags: dict[str, Any]
    server: str | None = None
    server_ca: Path | None = None
    command: str = "genkend"  # the running command's path, for messages
    _workspace: Workspace | None = field(default=None, repr=False)
    _remote: remote.Server | None = field(default=None, repr=False)

    def remote(self) -> remote.Server | None:
        """The server ``--server`` names, for GENKEND_TOKEN's account; None without one."""
        if self.server is None:
            return None
        if self._remote is None:
            self._remote = remote.connect(self.server, self.server_ca, self.flags.get("user"))
        return self._remote

    def workspace(self) -> Workspace:
        self._local_only()
        if self._workspace is None:
            self._workspace = open_workspace(self.home, self.flags)
        return self._workspace

    def session(self) -> Session:
        """The local operator acting as an account: the one --user names (or the OS
        login), or in a served workspace the operator or GENKEND_TOKEN's account
        (``governance.local``)."""
        ws = self.workspace()
        token = os.environ.get("GENKEND_TOKEN") or None
        actor = local_actor(ws.store, ws.settings.user, ws.settings.operator, token)
        return Session(ws, actor)

    def effective(self) -> tuple[Path, Effective]:
        self._local_only()
        return resolve(self.home, self.flags)

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
        if self._remote is not None:
            self._remote.close()

    def _local_only(self) -> None:
        if self.server is None:
            return
        raise UsageError(
            f"'{self.command}' runs only locally, on a workspace you hold; with --server (or "
            "GENKEND_SERVER) genkend runs media list, search face, review list, show, "
            "decide and resolve, and audit verify"
        )


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    obj.command = ctx.command_path
    return obj


class Terminal(Console):
    """A Rich console that takes text literally (see the module's invariant)."""

    def __init__(self, stderr: bool = False) -> None:
        super().__init__(highlight=False, soft_wrap=True, markup=False, emoji=False, stderr=stderr)

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(_lines(o) if isinstance(o, str) else o for o in objects), **options)


console = Terminal()
err_console = Terminal(stderr=True)


def _lines(text: str) -> str:
    return "\n".join(shown(line) for line in text.split("\n"))


def print_json(data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    # json leaves DEL, C1 codes (0x9b is CSI) and bidirectional overrides raw; escaping
    # them the JSON way (\u009b) keeps the document identical for a parser.
    text = "".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in text)
    sys.stdout.write(text + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=Text(shown(title)), title_justify="left")
    for column in columns:
        table.add_column(Text(shown(column)))
    for row in rows:
        table.add_row(*(Text(shown(v)) for v in row))
    console.print(table)


def shown(value: object) -> str:
    """``value`` as one line of text that cannot steer a terminal.

    Control and other invisible characters (ESC, BEL, C1 codes, bidirectional overrides,
    zero-width and line separators, even tab and newline) appear as the Python escape of
    their code point (``\\x1b``, ``\\u202e``), so a hostile file name can neither retitle
    the window, erase a line nor hide text, and the investigator still sees every
    character of the real name.
    """
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
