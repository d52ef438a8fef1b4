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

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from genkend import clock
from genkend.errors import PermissionDenied
from genkend.governance import authentication
from genkend.services import authentication as services_authentication
from genkend.services.authentication import SignedIn
from genkend.services.session import Session
from genkend.web.errors import SignInRequired, TooManyAttempts

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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def identify(request: Request) -> Identity:
    """The request's identity, or ``SignInRequired``."""
    store = request.app.state.workspace.store
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise SignInRequired
        account = authentication.token_account(store, credential.strip())
        if account is None:
            raise SignInRequired
        return Identity(account, None)
    cookie = request.cookies.get(SESSION_COOKIE)
    resumed = authentication.resume(store, cookie) if cookie else None
    if resumed is None:
        raise SignInRequired
    return Identity(resumed.account, resumed.csrf_token, cookie)


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
    # The store is read (and a token's or session's last use written) off the event
    # loop: a read waiting on the database, or a write waiting on SQLite's single
    # writer, would otherwise stall every request the server is handling.
    identity = await run_in_threadpool(identify, request)
    await check_csrf(request, identity)
    request.state.identity = identity
    workspace = request.app.state.workspace
    return Session(workspace, authentication.web_actor(identity.account, client_address(request)))


Caller = Annotated[Session, Depends(caller)]


def sign_in(request: Request, username: str, password: str, totp_code: str | None) -> SignedIn:
    """Throttle per client address, then ``services.authentication.sign_in``; a session
    the client presented before is ended (a sign-in never carries one over)."""
    wait = request.app.state.sign_in_throttle.allow(client_address(request))
    if wait is not None:
        raise TooManyAttempts(int(wait) + 1)
    actor = authentication.web_actor(username, client_address(request))
    signed = services_authentication.sign_in(
        Session(request.app.state.workspace, actor), password, totp_code or None
    )
    sign_out(request)
    return signed


def sign_out(request: Request) -> None:
    """End the session of the request's cookie, if it is still open."""
    cookie = request.cookies.get(SESSION_COOKIE)
    store = request.app.state.workspace.store
    resumed = authentication.resume(store, cookie) if cookie else None
    if cookie and resumed is not None:
        actor = authentication.web_actor(resumed.account, client_address(request))
        services_authentication.sign_out(Session(request.app.state.workspace, actor), cookie)


def set_session_cookie(response: Response, signed: SignedIn) -> None:
    """The session cookie: HttpOnly (no script reads it), Secure, SameSite=Strict, for
    the whole site, ending with the session's absolute end."""
    ends = clock.from_text(signed.expires_at)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_token,
        max_age=max(0, int((ends - clock.utc_now()).total_seconds())),
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
