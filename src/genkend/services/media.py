"""Media of a case: each distinct file content found in its evidence, with its hashes,
every location it was found at, and its hash-set hits and look-alikes.

Reading media is consultation of case content: members only (need-to-know). The triage
grid pages by media id (keyset). Pictures leave the server greyscale and blurred unless
revealed one at a time, in two steps: ``reveal`` records the ``media.reveal`` audit event
and answers its sequence number; ``picture(view="revealed", reveal=seq)`` returns the
revealed pixels only for that event, the caller's own, of this media item, no larger
than it said, and recorded less than ``REVEAL_SECONDS`` ago. Invariant: no revealed
picture leaves without its committed ``media.reveal`` event; a picture writes nothing
(a refused one writes its ``access.denied``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from genkend.clock import from_text, to_text, utc_now
from genkend.errors import NotFound
from genkend.evidence import ArchiveLimits
from genkend.faces import catalog as face_catalog
from genkend.governance import access, audit, cases
from genkend.governance.access import CONTENT_ROLES
from genkend.hashes import catalog, pictures
from genkend.hashes import grid as grid_view
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session
from genkend.store import welfare as stored_welfare

if TYPE_CHECKING:
    from genkend.store import Connection

REVEAL_MEDIA = "media.reveal"
REVEAL_SECONDS = 60


@dataclass(frozen=True)
class Reveal:
    """A recorded reveal: the picture of ``media_id`` at up to ``max_side`` may be fetched
    as revealed with ``reveal`` (the event's sequence number) until ``until``."""

    media_id: int
    reveal: int
    max_side: int
    until: str


def _case_of_media(session: Session, media_id: int) -> str:
    with session.store.read() as conn:
        return catalog.case_of(conn, media_id)


@service("media list", CONTENT_ROLES, case="case_id")
def list_media(session: Session, case_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """The case's media, optionally only those of one triage ``status``."""
    with session.store.read() as conn:
        cases.get(conn, case_id)  # an erased case has no media to list
        return [
            m
            for m in catalog.list_media(conn, case_id)
            if status is None or m.get("status") == status
        ]


@service("media show", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def show(session: Session, media_id: int) -> dict[str, Any]:
    """Everything known about one file content."""
    with session.store.read() as conn:
        return catalog.show_media(conn, media_id)


@service("media detail", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def detail(session: Session, media_id: int) -> dict[str, Any]:
    """What ``show`` says, with the case id and the faces found on the item (boxes in
    pixels of the item's width and height)."""
    with session.store.read() as conn:
        described = catalog.show_media(conn, media_id)
        case_id = catalog.case_of(conn, media_id)
        found = face_catalog.media_faces(conn, case_id, media_id)
    return {**described, "case_id": case_id, "faces": found}


@service("media grid", CONTENT_ROLES, case="case_id")
def grid(
    session: Session,
    case_id: str,
    filter: str = "all",
    after: int | None = None,
    limit: int = 100,
) -> grid_view.MediaPage:
    """One page of the triage grid: the case's media past id ``after`` that pass
    ``filter`` (``all``, ``new``, ``known``, ``categorised``, ``near_known``,
    ``non_pertinent``, ``has_faces``, ``errors``), by media id, at most ``limit`` (1 to 500)."""
    grid_view.check_page(filter, after, limit)
    with session.store.read() as conn:
        cases.get(conn, case_id)
        return grid_view.page(conn, case_id, filter, after, limit)


@service("media reveal", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def reveal(
    session: Session, media_id: int, max_side: int = 256, in_case: str | None = None
) -> Reveal:
    """Record the deliberate reveal of one media item's picture (``media.reveal``); the
    revealed picture may then be fetched with the answer's ``reveal``, for a minute.
    With ``in_case``, an item of another case is not found (and nothing is recorded)."""
    pictures.check_view("revealed", max_side)
    with session.store.begin() as conn:
        case_id = catalog.case_of(conn, media_id)
        _check_in_case(media_id, case_id, in_case)
        cases.get(conn, case_id)
        detail = {"media_id": media_id, "max_side": max_side}
        event = audit.record(conn, session.actor, REVEAL_MEDIA, f"case:{case_id}", detail)
    until = from_text(event.at) + timedelta(seconds=REVEAL_SECONDS)
    return Reveal(media_id, event.seq, max_side, to_text(until))


@service("media picture", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def picture(
    session: Session,
    media_id: int,
    view: str = "blurred",
    max_side: int = 256,
    reveal: int | None = None,
    in_case: str | None = None,
) -> pictures.Picture:
    """The media item's picture, read again from the evidence: greyscale and blurred
    unless ``view`` is ``revealed``, which needs ``reveal``, the answer of ``reveal``.
    With ``in_case``, an item of another case is not found."""
    pictures.check_view(view, max_side)
    s = session.settings
    limits = ArchiveLimits(
        max_depth=s.archive_max_depth,
        max_ratio=s.archive_max_ratio,
        max_total_bytes=s.archive_max_total_bytes,
    )
    with session.store.read() as conn:
        case_id = catalog.case_of(conn, media_id)
        _check_in_case(media_id, case_id, in_case)
        cases.get(conn, case_id)
        refusal = None
        if view == "revealed":
            refusal = _refused_reveal(conn, session, media_id, max_side, reveal)
    if refusal is not None:
        about = {"media_id": media_id, "reveal": reveal}
        access.deny(
            session.store, session.actor, "media picture", f"case:{case_id}", refusal, about
        )
    with session.store.read() as conn:
        return pictures.media_picture(
            conn,
            media_id,
            view,
            max_side,
            max_pixels=s.max_pixels,
            limits=limits,
            spool_dir=session.workspace.spool_dir,
        )


def _check_in_case(media_id: int, case_id: str, in_case: str | None) -> None:
    if in_case is not None and in_case != case_id:
        raise NotFound(f"media {media_id} is not in case {in_case}")


def _refused_reveal(
    conn: Connection, session: Session, media_id: int, max_side: int, reveal: int | None
) -> str | None:
    """Why the revealed picture may not be shown (None: it may): it needs a recorded
    reveal of the caller's, of this item, at least this large, and recent."""
    if reveal is None or isinstance(reveal, bool) or not isinstance(reveal, int):
        return "a revealed picture needs its reveal first (media reveal)"
    found = stored_welfare.event(conn, reveal)
    if found is None:
        return f"no reveal {reveal} was recorded"
    actor, action, at, detail_json = found
    shown = json.loads(detail_json) if detail_json else {}
    if action != REVEAL_MEDIA or actor != session.actor.name:
        return f"reveal {reveal} is not a reveal of yours"
    if shown.get("media_id") != media_id or max_side > int(shown.get("max_side", 0)):
        return f"reveal {reveal} was of another picture"
    if utc_now() - from_text(at) > timedelta(seconds=REVEAL_SECONDS):
        return f"reveal {reveal} is older than {REVEAL_SECONDS} s: reveal again"
    return None


@service("media show", CONTENT_ROLES, case="case_id")
def show_in_case(session: Session, case_id: str, media_id: int) -> dict[str, Any]:
    """Everything known about one file content of ``case_id``: an item of another case
    is not found there (the web's ``/cases/{case_id}/media/{media_id}``)."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        if catalog.case_of(conn, media_id) != case_id:
            raise NotFound(f"media {media_id} is not in case {case_id}")
        return catalog.show_media(conn, media_id)
