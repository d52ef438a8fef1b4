"""The command line driving a genkend server: ``genkend --server URL COMMAND ...``.

With ``--server`` (or ``GENKEND_SERVER``) the everyday commands send their request to
the server's JSON API instead of opening a workspace, authenticated by the API token in
``GENKEND_TOKEN``; the server decides who may do what, for the token's account, and
audits it with the client's address. ``Server`` has one method per use case; each
returns what the API answers, the ``as_dict()`` shape the local command renders too.

Invariant: nothing here decides an access question or reads a workspace. The token
travels only over TLS that is verified (or to a loopback address), no redirect is
followed, and every failure is a ``GenkendError`` of the kind a local command would
raise for it: the server's ``{"error": {"kind", "message", "field"}}`` becomes the same
one-line message and exit code.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2

from genkend import errors
from genkend.media.named_files import open_regular

TOKEN_VARIABLE = "GENKEND_TOKEN"
API = "/api/v1"
# A face search detects faces in the probe on the server: give it time, but not for ever.
TIMEOUT = httpx2.Timeout(120.0, connect=10.0)
LOOPBACK_NAMES = frozenset({"localhost"})
GRID_STATUSES = frozenset({"new", "known", "near_known"})  # statuses that are grid filters
GRID_PAGE = 500  # the most the grid gives in one page

# The server's error kinds (genkend.web.errors.STATUS) as the domain's errors.
KINDS: dict[str, type[errors.GenkendError]] = {
    "permission_denied": errors.PermissionDenied,
    "not_found": errors.NotFound,
    "already_exists": errors.AlreadyExists,
    "bad_request": errors.UsageError,
    "media_error": errors.MediaError,
    "evidence_error": errors.EvidenceError,
    "store_unavailable": errors.StoreUnavailable,
}
STATUSES: dict[int, type[errors.GenkendError]] = {
    400: errors.UsageError,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.AlreadyExists,
    503: errors.StoreUnavailable,
}


class Server:
    """A genkend server's API, called with one account's token."""

    def __init__(
        self,
        url: str,
        token: str,
        ca_file: Path | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._client = httpx2.Client(
            base_url=self.url + API,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            verify=_tls(ca_file),
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,  # no proxy or CA from the environment: --server-ca names one
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    # The use cases -----------------------------------------------------------------

    def media_list(self, case_id: str, status: str | None) -> list[dict[str, Any]]:
        """Every item of the case's triage grid (``GridItem``: no locations or hits, its
        first file name), page after page; the grid filters by the statuses it knows,
        the others (``non_pertinent``) are kept from its ``all`` pages."""
        grid_filter = status if status in GRID_STATUSES else "all"
        found: list[dict[str, Any]] = []
        after: int | None = None
        while True:
            params: dict[str, Any] = {"filter": grid_filter, "limit": GRID_PAGE}
            if after is not None:
                params["after"] = after
            page = self._call("GET", f"{_case(case_id)}/media", params=params)
            found += [m for m in page["items"] if status is None or m["status"] == status]
            after = page.get("next_after")
            if after is None:
                return found

    def search_face(
        self,
        image: Path,
        case_id: str,
        purpose: str,
        legal_basis: str,
        in_gallery: bool,
        all_cases: bool,
        k: int,
        max_distance: float | None,
    ) -> Any:
        """The probe photo is uploaded under its file name, so that the audit event and
        the candidates name the photo searched (as a local search names its path); the
        folders above it stay here."""
        form = {
            "purpose": purpose,
            "legal_basis": legal_basis,
            "in_gallery": str(in_gallery).lower(),
            "all_cases": str(all_cases).lower(),
            "k": str(k),
        }
        if max_distance is not None:
            form["max_distance"] = repr(max_distance)
        try:
            photo = open_regular(image)
        except OSError as exc:
            raise errors.UsageError(f"cannot read --image {image}: {exc.strerror}") from exc
        with photo:
            upload = {"image": (image.name, photo, "application/octet-stream")}
            return self._call("POST", f"{_case(case_id)}/search/face", data=form, files=upload)

    def review_list(self, case_id: str, disputed: bool) -> Any:
        return self._call("GET", f"{_case(case_id)}/{'disputes' if disputed else 'candidates'}")

    def review_show(self, case_id: str, candidate_id: int) -> Any:
        return self._call("GET", f"{_case(case_id)}/candidates/{candidate_id}")

    def review_decide(self, case_id: str, candidate_id: int, outcome: str, note: str) -> Any:
        body = {"outcome": outcome, "note": note}
        return self._call("POST", f"{_case(case_id)}/candidates/{candidate_id}/decision", json=body)

    def review_resolve(self, case_id: str, candidate_id: int, outcome: str, note: str) -> Any:
        body = {"outcome": outcome, "note": note}
        path = f"{_case(case_id)}/candidates/{candidate_id}/resolution"
        return self._call("POST", path, json=body)

    def audit_verify(self, anchor: str | None) -> Any:
        return self._call(
            "GET", "/audit/verify", params={} if anchor is None else {"anchor": anchor}
        )

    # The exchange --------------------------------------------------------------------

    def _call(self, method: str, path: str, **request: Any) -> Any:
        try:
            response = self._client.request(method, path, **request)
        except httpx2.TimeoutException as exc:
            raise errors.GenkendError(f"the server {self.url} did not answer in time") from exc
        except httpx2.TransportError as exc:
            raise errors.GenkendError(
                f"the server {self.url} does not answer: {_why(exc)}"
            ) from exc
        if response.is_redirect:
            where = response.headers.get("location", "elsewhere")
            raise errors.GenkendError(
                f"the server {self.url} redirects to {where}; genkend follows no redirect "
                "(the token would go with it): give --server the address to use"
            )
        if response.status_code >= 400:
            raise error_of(response)
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise errors.GenkendError(f"{self.url} is not a genkend server (no JSON)") from exc


def connect(url: str, ca_file: Path | None, user: str | None) -> Server:
    """The server at ``url``, for the account of the token in ``GENKEND_TOKEN``."""
    if user:
        raise errors.UsageError(
            f"--user cannot be given with --server: the server acts as the account of the "
            f"token in {TOKEN_VARIABLE}"
        )
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise errors.UsageError(
            f"--server needs the API token of your account in {TOKEN_VARIABLE} (an admin "
            "or you issue one with 'genkend user token NAME' where the workspace is)"
        )
    return Server(checked_url(url), token, ca_file)


def checked_url(url: str) -> str:
    """``url`` if it is an http(s) address the token may be sent to: https, or plain
    http to this machine only (a token in clear text over a network is a token given away)."""
    try:
        parsed = httpx2.URL(url)
    except httpx2.InvalidURL as exc:
        raise errors.UsageError(f"--server {url} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise errors.UsageError(f"--server takes an https:// address, not {url}")
    if parsed.userinfo:  # not echoed: it may hold a password
        raise errors.UsageError(
            f"--server takes no user name or password in the address: {TOKEN_VARIABLE} "
            "says who you are"
        )
    if parsed.query or parsed.fragment:
        raise errors.UsageError(f"--server takes the server's address only, not {url}")
    if parsed.scheme == "http" and not _loopback(parsed.host):
        raise errors.UsageError(
            f"--server {url}: plain http only to this machine (127.0.0.1, localhost); "
            "use https:// so that the token is not sent in clear text"
        )
    return url


def error_of(response: httpx2.Response) -> errors.GenkendError:
    """The server's error answer as the domain error a local command would raise."""
    status = response.status_code
    error = _error_body(response)
    message = str(error.get("message") or f"the server answered {status} {response.reason_phrase}")
    if status == 401:
        return errors.AuthenticationFailed(
            f"the server refused the token in {TOKEN_VARIABLE}: it is unknown, expired or "
            "revoked, or its account is disabled"
        )
    field = error.get("field")
    problems = error.get("problems") or []
    if status == 422 and not field and len(problems) == 1 and problems[0].get("field"):
        field, message = problems[0]["field"], f"{problems[0]['field']} {problems[0]['problem']}"
    if status == 422 and isinstance(field, str) and field:
        return errors.InvalidField(field, message.removeprefix(f"{field} "))
    if status >= 500 and status not in STATUSES:
        return errors.GenkendError(f"the server failed ({status}): {message}")
    kind = KINDS.get(str(error.get("kind")), STATUSES.get(status, errors.GenkendError))
    return kind(message)


def _error_body(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _tls(ca_file: Path | None) -> ssl.SSLContext | bool:
    """Certificates verified always: against the system's CAs, or a unit's own CA."""
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise errors.UsageError(f"--server-ca {ca_file} is not a readable CA file: {exc}") from exc


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _case(case_id: str) -> str:
    """A case's address: its ``/`` written ``~`` (``genkend.web.paths``)."""
    return "/cases/" + quote(case_id.replace("/", "~"), safe="~")


def _why(exc: httpx2.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"{text} (--server-ca FILE names a unit's own certificate authority)"
    return text
