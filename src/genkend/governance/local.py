"""The account a local command acts as: the CLI's half of the trust model.

A workspace that was never served is the operator's alone: the CLI acts as the account
``--user`` names (default: the OS login), as it always did. Once ``genkend serve`` ran
on it (``access.mark_served``) the server is the enforcement point for the team, and a
local command acts either as the account of the API token in ``GENKEND_TOKEN`` or as
the operator (setting ``operator``, default the first admin); claiming anyone else is
refused and audited. Either way the Actor's host is ``<os user>@<hostname>``, so every
audit event names who sat at the keyboard beside the account.

Invariant: without a valid token, a served workspace never lets ``--user`` choose an
account other than the operator.
"""

from __future__ import annotations

from genkend.errors import PermissionDenied, UsageError
from genkend.governance import access, authentication
from genkend.records import Actor
from genkend.store import Store


def local_actor(store: Store, user: str | None, operator: str | None, token: str | None) -> Actor:
    """Who a local command acts as (see the module's rules); ``user`` is ``--user``."""
    if token:
        return _token_actor(store, user, token)
    with store.read() as conn:
        served = access.is_served(conn)
        chosen = (operator or access.first_admin(conn)) if served else None
    if chosen is None:
        return access.current_actor(user)
    if user and user != chosen:
        claimed = access.current_actor(user)
        access.deny(
            store,
            claimed,
            "local command",
            f"account:{user}",
            f"this workspace is served: local commands act as the operator {chosen}; to act "
            f"as {user}, set GENKEND_TOKEN to a token of {user} (genkend user token {user})",
        )
    return access.current_actor(chosen)


def _token_actor(store: Store, user: str | None, token: str) -> Actor:
    name = authentication.token_account(store, token)
    if name is None:
        raise PermissionDenied(
            "GENKEND_TOKEN is not a valid token: it is unknown, expired or revoked, or its "
            "account is disabled"
        )
    if user and user != name:
        raise UsageError(
            f"GENKEND_TOKEN is a token of {name} but --user names {user}: leave --user out "
            f"or use a token of {user}"
        )
    return access.current_actor(name)
