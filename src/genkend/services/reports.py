"""Oversight reports: the usage of the system over a period (auditors, supervisors, admins).

A reader who is not an auditor gets the report of their own cases (``access.audit_scope``).
A report carries personal data out of the system, so making one is itself an audit event
(``report.usage``), which names the HTML file written and its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend.errors import WorkspaceError
from genkend.governance import access, audit, oversight
from genkend.governance.access import OVERSIGHT
from genkend.hashes import digests as hashing
from genkend.report import usage as rendering
from genkend.services.registry import service
from genkend.services.session import Session


@dataclass(frozen=True)
class UsageReport:
    """The report (``oversight.usage``'s shape) and, if one was written, its HTML file."""

    report: dict[str, Any]
    html: Path | None = None
    sha256: str | None = None


@service("report usage", OVERSIGHT)
def usage(session: Session, start: str, end: str, html: Path | None = None) -> UsageReport:
    """Searches, refusals, identifications, denials, exports and erasures of a period."""
    within = oversight.period(start, end)
    with session.store.read() as conn:
        scope = access.audit_scope(conn, session.caller)
        report = oversight.usage(conn, within, scope)
    written = _write_html(html, rendering.render_html(report)) if html else None
    with session.store.begin() as conn:
        audit.record(
            conn,
            session.actor,
            "report.usage",
            "audit",
            {
                "from": within.start,
                "to": within.end,
                "cases": "all" if scope is None else scope.as_detail(),
                "file": str(html.absolute()) if html else None,
                "sha256": written,
            },
        )
    return UsageReport(report, html, written)


def _write_html(path: Path, text: str) -> str:
    """Write the page; returns its SHA-256, which the audit event records."""
    data = text.encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise WorkspaceError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return hashing.digest_bytes(data).sha256
