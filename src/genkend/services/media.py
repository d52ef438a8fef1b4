"""Media of a case: each distinct file content found in its evidence, with its hashes,
every location it was found at, and its hash-set hits and look-alikes.

Reading media is consultation of case content: members only (need-to-know). The triage
grid pages by media id (keyset). Pictures leave the server greyscale and blurred unless
revealed one at a time; invariant: a revealed picture is returned only after its
``media.reveal`` audit event is committed, and a blurred picture writes nothing.
"""

from __future__ import annotations

from typing import Any

from genkend.errors import NotFound
from genkend.evidence import ArchiveLimits
from genkend.governance import audit, cases
from genkend.governance.access import CONTENT_ROLES
from genkend.hashes import catalog, pictures
from genkend.hashes import grid as grid_view
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session

REVEAL_MEDIA = "media.reveal"


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
    ``has_faces``, ``errors``), by media id, at most ``limit`` (1 to 500)."""
    grid_view.check_page(filter, after, limit)
    with session.store.read() as conn:
        cases.get(conn, case_id)
        return grid_view.page(conn, case_id, filter, after, limit)


@service("media picture", CONTENT_ROLES, case=CaseOf("media_id", _case_of_media))
def picture(
    session: Session, media_id: int, view: str = "blurred", max_side: int = 256
) -> pictures.Picture:
    """The media item's picture, read again from the evidence: greyscale and blurred
    unless ``view`` is ``revealed``; a reveal is a ``media.reveal`` audit event."""
    pictures.check_view(view, max_side)
    s = session.settings
    limits = ArchiveLimits(
        max_depth=s.archive_max_depth,
        max_ratio=s.archive_max_ratio,
        max_total_bytes=s.archive_max_total_bytes,
    )
    with session.store.read() as conn:
        case_id = catalog.case_of(conn, media_id)
        cases.get(conn, case_id)
        shown = pictures.media_picture(
            conn,
            media_id,
            view,
            max_side,
            max_pixels=s.max_pixels,
            limits=limits,
            spool_dir=session.workspace.spool_dir,
        )
    if view == "revealed":
        # The evidence is read without the write lock; the pixels leave only once the
        # reveal's event is committed.
        with session.store.begin() as conn:
            detail = {"media_id": media_id, "max_side": max_side}
            audit.record(conn, session.actor, REVEAL_MEDIA, f"case:{case_id}", detail)
    return shown


@service("media show", CONTENT_ROLES, case="case_id")
def show_in_case(session: Session, case_id: str, media_id: int) -> dict[str, Any]:
    """Everything known about one file content of ``case_id``: an item of another case
    is not found there (the web's ``/cases/{case_id}/media/{media_id}``)."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        if catalog.case_of(conn, media_id) != case_id:
            raise NotFound(f"media {media_id} is not in case {case_id}")
        return catalog.show_media(conn, media_id)
