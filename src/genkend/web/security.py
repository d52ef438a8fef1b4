"""What the server guards itself, before any use case runs: headers, body size, sign-in rate.

- ``Hardening``: an ASGI middleware that puts the security headers on every response
  (a CSP without inline script or style, nosniff, no framing, no referrer, same-origin
  isolation) and ``Cache-Control: no-store`` on everything but the static assets, so no
  picture, face or case detail stays in a browser's or proxy's cache. It refuses a
  request body larger than ``max_body`` with 413 before the application reads it, whether
  the body announces its length or not; the routes that take a file (``uploads``, a
  pattern of paths) are allowed ``max_upload`` instead.
- ``Throttle``: attempts per client address in a sliding window (sign-in flooding);
  per process, which is why a deployment runs one worker per workspace or puts the limit
  in the reverse proxy too (docs/deployment.md).

Invariant: no response leaves without the headers; nothing here decides who may do what.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from threading import Lock
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
STATIC_PREFIX = "/static/"


class BodyTooLarge(Exception):
    pass


class Hardening:
    """Security headers on every response; request bodies capped at ``max_body`` bytes,
    or ``max_upload`` on the paths that ``uploads`` matches in full."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        max_upload: int | None = None,
        uploads: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_body if max_upload is None else max_upload
        self.uploads = uploads

    def limit(self, path: str) -> int:
        """The largest body a request to ``path`` may send."""
        if self.uploads is not None and self.uploads.fullmatch(path):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        static = path.startswith(STATIC_PREFIX)
        max_body = self.limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            await _too_large(send)
            return
        seen = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The application caught the refusal while reading the body (FastAPI
                # answers 400 to a body it cannot parse): its answer is replaced by 413.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(send)
                return
            if message["type"] == "http.response.start":
                started = True
                headers = (
                    [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                    if not static
                    else list(message.get("headers", []))
                )
                headers += HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send) -> None:
    body = b'{"error":{"kind":"too_large","message":"the request body is too large"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Throttle:
    """At most ``limit`` attempts per ``window`` seconds for each key (a client address)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = Lock()

    def allow(self, key: str, now: float | None = None) -> float | None:
        """``None`` if this attempt may go on, else the seconds until one may."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            attempts = self._seen.setdefault(key, deque())
            while attempts and attempts[0] <= moment - self.window:
                attempts.popleft()
            if len(attempts) >= self.limit:
                return attempts[0] + self.window - moment
            attempts.append(moment)
            if len(self._seen) > 10_000:  # forget idle clients; bounded memory under a flood
                self._seen = {k: v for k, v in self._seen.items() if v}
            return None
