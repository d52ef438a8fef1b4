"""Authorisations for gallery searches, as a supervisor records them (AI Act Art. 26(10)).

An authorisation names the authority that granted it, its reference, its scope, when
it was granted and until when it is valid. Gallery searches (and automatic gallery
matching) in a case run only while the case's newest authorisation is granted and
valid; one recorded as refused stops them, and the candidates obtained under it are marked for
deletion (``retention run`` erases them). Whoever records an authorisation may not search
under it: it must come from someone other than the user (Art. 26(10)).

Invariant: an authorisation's status only moves from ``granted`` to ``refused`` or
``revoked``, each with its audit event; expiry is read from ``valid_until``, never
written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genkend.clock import from_text, to_text, utc_now, utc_now_text
from genkend.errors import NotFound, PermissionDenied, UsageError
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Connection
from genkend.store import authorisations as stored

GALLERY_SEARCH = "gallery-search"
SCOPES = (GALLERY_SEARCH,)


def parse_until(value: str) -> str:
    """A date (end of that day, UTC) or a full ISO time, as stored text."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--valid-until takes a date or ISO time, not {value!r}") from None
    if len(value) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_text(moment)


def grant(
    conn: Connection,
    actor: Actor,
    case_id: str,
    authority: str,
    reference: str,
    valid_until: str,
    scope: str = GALLERY_SEARCH,
    granted_at: str | None = None,
) -> int:
    if scope not in SCOPES:
        raise UsageError(f"scope must be one of {', '.join(SCOPES)}")
    if not authority.strip() or not reference.strip():
        raise UsageError("an authorisation needs its authority and reference")
    granted = granted_at or utc_now_text()
    if valid_until <= granted:
        raise UsageError("an authorisation must be valid after it was granted")
    auth_id = stored.insert_authorisation(
        conn,
        {
            "case_id": case_id,
            "authority": authority.strip(),
            "reference": reference.strip(),
            "scope": scope,
            "granted_at": granted,
            "valid_until": valid_until,
            "status": "granted",
            "note": "",
            "recorded_at": utc_now_text(),
            "recorded_by": actor.name,
        },
    )
    audit.record(
        conn,
        actor,
        "authorisation.grant",
        f"case:{case_id}",
        {
            "authorisation": auth_id,
            "authority": authority,
            "reference": reference,
            "scope": scope,
            "granted_at": granted,
            "valid_until": valid_until,
        },
    )
    return auth_id


def refuse(conn: Connection, actor: Actor, auth_id: int, note: str) -> int:
    """Record a refusal; returns how many candidates are now due for deletion."""
    row = stored.row(conn, auth_id)
    if row is None:
        raise NotFound(f"unknown authorisation {auth_id}")
    if not note.strip():
        raise UsageError("a refusal needs a note saying why")
    stored.set_refused(conn, auth_id, note.strip())
    marked = stored.mark_candidates_due(conn, auth_id)
    audit.record(
        conn,
        actor,
        "authorisation.refuse",
        f"case:{row.case_id}",
        {"authorisation": auth_id, "note": note, "candidates_marked_for_deletion": marked},
    )
    return marked


def case_of(conn: Connection, auth_id: int) -> str:
    case_id = stored.case_of(conn, auth_id)
    if case_id is None:
        raise NotFound(f"unknown authorisation {auth_id}")
    return case_id


def valid(
    conn: Connection, case_id: str, searcher: str, scope: str = GALLERY_SEARCH
) -> dict[str, Any]:
    """The authorisation ``searcher``'s gallery search in ``case_id`` runs under now, or a
    refusal; never one ``searcher`` recorded."""
    now = utc_now_text()
    rows = stored.newest_first(conn, case_id, scope)
    if not rows:
        raise PermissionDenied(
            f"no valid authorisation for gallery searches in case {case_id}: "
            "a supervisor records one with 'genkend authorisation grant'"
        )
    latest = rows[0]  # the newest decision about this case's searches is the one in force
    if latest.status != "granted":
        raise PermissionDenied(
            f"gallery searches in case {case_id} stopped: authorisation {latest.id} was "
            f"{latest.status} ({latest.note})"
        )
    if latest.valid_until < now:
        raise PermissionDenied(
            f"authorisation {latest.id} for gallery searches in case {case_id} expired on "
            f"{latest.valid_until}"
        )
    if latest.granted_at > now:
        raise PermissionDenied(f"authorisation {latest.id} is valid only from {latest.granted_at}")
    if latest.recorded_by == searcher:
        # Art. 26(10): the authorisation comes from an authority other than the user
        raise PermissionDenied(
            f"authorisation {latest.id} was recorded by {searcher}: nobody searches under an "
            "authorisation they recorded; another supervisor records it, or another member "
            "searches"
        )
    return dict(latest._mapping)


def list_for(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    now = utc_now()
    found = []
    for data in stored.of_case(conn, case_id):
        if data["status"] == "granted" and from_text(data["valid_until"]) < now:
            data["status"] = "expired"
        found.append(data)
    return found
