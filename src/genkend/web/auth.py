"""Who is asking: the ``Caller`` dependency every guarded route takes.

A request is authenticated by an API token (``Authorization: Bearer gk_...``) or by the
session cookie that signing in set. The answer is a ``services.Session`` for that account,
with the client's address as the actor's host, so the audit trail says where a web action
came from. Without either, the route answers 401 (the pages redirect to sign-in).

A request that changes state and is authenticated by the cookie must also carry the
session's CSRF token, in the ``X-CSRF-Token`` header (htmx, the API) or a ``csrf_token``
form field; a token-authenticated request needs none, since a browser never attaches a
bearer token on its own.

Invariant: this module says who acts, never what they may do; the services decide that,
and refuse a disabled account even while its session or token is still live.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from genkend.errors import PermissionDenied
from genkend.governance import access
from genkend.records import Actor
from genkend.services.session import Session
from genkend.web.errors import SignInRequired

SESSION_COOKIE = "genkend_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Identity:
    """How the request was authenticated: the account, and the session's CSRF token."""

    account: str
    csrf_token: str | None  # None for API tokens
    session_token: str | None = None


def client_host(request: Request) -> str:
    client = request.client.host if request.client else "unknown"
    return f"web {client}"


def identify(request: Request) -> Identity:
    """The request's identity, or ``SignInRequired``."""
    store = request.app.state.workspace.store
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise SignInRequired
        with store.read() as conn:
            account = access.account_for_token(conn, credential.strip())
        if account is None:
            raise SignInRequired
        return Identity(account.name, None)
    raise SignInRequired


async def check_csrf(request: Request, identity: Identity) -> None:
    """A cookie-authenticated request that changes state proves it came from our pages."""
    if identity.csrf_token is None or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not sent or not hmac.compare_digest(sent, identity.csrf_token):
        raise PermissionDenied("this request did not come from a genkend page (CSRF token)")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


async def caller(request: Request) -> Session:
    identity = identify(request)
    await check_csrf(request, identity)
    request.state.identity = identity
    workspace = request.app.state.workspace
    return Session(workspace, Actor(identity.account, client_host(request)))


Caller = Annotated[Session, Depends(caller)]
