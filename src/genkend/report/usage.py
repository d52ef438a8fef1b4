"""The usage report (``governance.oversight.usage``) for people: text cells and one HTML page.

``render_html(report)`` gives the report as a self-contained page, ``SECTIONS`` the
tables it has (title, key in the report, columns), ``cell_text`` a value as table text.

Invariant: every value on the page is escaped, and the page loads nothing from anywhere.
"""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "th,td{border:1px solid #bbb;padding:0.25em 0.5em;text-align:left;vertical-align:top}"
    "th{background:#eee}.bad{color:#a00;font-weight:bold}"
)
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Biometric searches by case, purpose and authorisation",
        "search_summary",
        (
            "case",
            "kind",
            "purpose",
            "legal_basis",
            "authorisation_id",
            "searches",
            "with_candidates",
            "candidates",
        ),
    ),
    (
        "Biometric searches",
        "searches",
        (
            "seq",
            "at",
            "actor",
            "case",
            "kind",
            "purpose",
            "legal_basis",
            "authorisation_id",
            "authority",
            "authorisation_reference",
            "reference",
            "started_at",
            "ended_at",
            "probe_sha256",
            "candidates",
        ),
    ),
    (
        "Refused searches",
        "refused_searches",
        ("seq", "at", "actor", "case", "kind", "purpose", "legal_basis", "reason"),
    ),
    (
        "Identifications",
        "identifications",
        ("seq", "at", "case", "candidate", "identity", "search_seq", "reviewers", "supervisor"),
    ),
    ("Access denials", "denials", ("seq", "at", "actor", "subject", "action", "reason")),
    (
        "Exports",
        "exports",
        ("seq", "at", "actor", "case", "kind", "purpose", "legal_basis", "file", "sha256"),
    ),
    (
        "Retention erasures",
        "erasures",
        ("seq", "at", "actor", "action", "reason", "audit_details_erased"),
    ),
)


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page; every value is escaped."""
    span = f"{report['period']['from']} to {report['period']['to']}"
    chain = report["audit_chain"]
    verdict = (
        escape(f"intact, head {chain['head_seq']}:{chain['head']}")
        if chain["ok"]
        else '<span class="bad">BROKEN: run genkend audit verify</span>'
    )
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(report["review_outcomes"].items()))
    parts = [
        f"<h1>genkend usage report</h1><p>Period {escape(span)}; generated "
        f"{escape(report['generated_at'])}. Audit chain {verdict}."
        f"</p><p>Review outcomes in the period: {escape(outcomes or 'none')}.</p>"
    ]
    for title, key, columns in SECTIONS:
        parts.append(_table(title, columns, report[key]))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>genkend usage report {escape(span)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell_text(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<h2>{escape(title)} ({len(rows)})</h2>" + (
        f"<table><tr>{head}</tr>{body}</table>" if rows else "<p>None.</p>"
    )


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
