"""Who is acting: the identified actor behind every command.

Every command runs as an ``Actor``: the account name (``--user``, ``GENKEND_USER``, or
the OS login) and the host it runs on. Both are written into every audit event.
"""

from __future__ import annotations

import getpass
import re
import socket
from dataclasses import dataclass

from genkend.errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")


@dataclass(frozen=True)
class Actor:
    name: str
    host: str


def current_actor(user: str | None) -> Actor:
    name = user or _os_login()
    if not _NAME.match(name):
        raise UsageError(f"invalid user name {name!r}: letters, digits, . _ @ - only")
    return Actor(name=name, host=socket.gethostname())


def _os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
