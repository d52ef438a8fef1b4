"""The reviewer's comparison of a candidate, and the supervisor's view of disputes.

``candidate`` gives what a reviewer's screen shows for one candidate: the candidate as
the caller may see it (``review.candidates.View``: blind until the caller has decided),
the case's face in the probe's picture when the probe is a media item of the case (same
SHA-256), the proposed gallery identity's faces, and the authorisation the search ran
under. ``disputes`` gives a case's disputed candidates with both reviewers' decisions,
for supervisors.

Invariant: nothing here writes; blindness is ``review.candidates.view``'s, applied to
every candidate returned; a gallery face is only ever given for the identity a
candidate of the caller's case proposes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genkend import media
from genkend.errors import NotFound
from genkend.governance import audit
from genkend.governance.access import REVIEWERS, SUPERVISORS
from genkend.hashes import pictures
from genkend.review.candidates import Candidate, Decision, View
from genkend.review.candidates import view as view_of
from genkend.services.faces import REVEAL_FACE
from genkend.services.registry import service
from genkend.services.review import BY_CANDIDATE
from genkend.services.session import Session
from genkend.store import authorisations as stored_authorisations
from genkend.store import candidates as stored_candidates
from genkend.store import comparison as stored
from genkend.store import reviews as stored_reviews

if TYPE_CHECKING:
    from genkend.store import Connection


@dataclass(frozen=True)
class GalleryFace:
    """One face of a gallery identity, without its embedding or pixels."""

    id: int
    backend: str
    source: str
    quality: float
    created_at: str
    has_picture: bool


@dataclass(frozen=True)
class Comparison:
    """A candidate as a reviewer compares it.

    ``probe_face_id`` is the largest face of the case in the probe's picture (``None``
    when the probe is not a media item of the case); ``authorisation`` the one the
    search ran under (``None`` for none recorded).
    """

    view: View
    probe_face_id: int | None
    probe_media_id: int | None
    gallery_faces: tuple[GalleryFace, ...]
    authorisation: dict[str, Any] | None


@service("review compare", REVIEWERS | SUPERVISORS, case=BY_CANDIDATE)
def candidate(session: Session, candidate_id: int, case_id: str | None = None) -> Comparison:
    """One candidate beside what it is compared with; other decisions only once the
    caller's is given (or cannot be). With ``case_id``, a candidate of another case is
    not found."""
    with session.store.read() as conn:
        shown = _view(conn, session, _in_case(conn, candidate_id, case_id))
        found = shown.candidate
        probe = (
            stored.faces_in_media_of(conn, found.case_id, found.probe_sha256)
            if found.probe_sha256
            else []
        )
        faces = tuple(
            GalleryFace(
                int(r.id), r.backend, r.source, float(r.quality), r.created_at, bool(r.has_picture)
            )
            for r in stored.identity_faces(conn, found.identity_id)
        )
        granted = (
            None
            if found.authorisation_id is None
            else stored_authorisations.row(conn, found.authorisation_id)
        )
    return Comparison(
        view=shown,
        probe_face_id=int(probe[0].id) if probe else None,
        probe_media_id=int(probe[0].media_id) if probe else None,
        gallery_faces=faces,
        authorisation=None if granted is None else dict(granted._mapping),
    )


@service("review list --disputed", SUPERVISORS, case="case_id")
def disputes(session: Session, case_id: str) -> list[View]:
    """The case's disputed candidates, each with the reviewers' decisions."""
    with session.store.read() as conn:
        return [_view(conn, session, row) for row in stored_candidates.disputed(conn, case_id)]


def _in_case(conn: Connection, candidate_id: int, case_id: str | None) -> dict[str, Any]:
    row = stored_candidates.get(conn, candidate_id)
    if case_id is not None and row["case_id"] != case_id:
        raise NotFound(f"candidate {candidate_id} is not in case {case_id}")
    return row


def _view(conn: Connection, session: Session, row: dict[str, Any]) -> View:
    found = Candidate.from_row(row)
    given = [Decision.from_row(r) for r in stored_reviews.of_candidate(conn, found.id)]
    return view_of(found, given, session.caller.name, session.caller.roles)


@service("gallery face picture", REVIEWERS | SUPERVISORS, case=BY_CANDIDATE)
def gallery_face_picture(
    session: Session,
    candidate_id: int,
    gallery_face_id: int,
    view: str = "blurred",
    max_side: int = 128,
    case_id: str | None = None,
) -> pictures.Picture:
    """A face of the gallery identity the candidate proposes, from its stored crop:
    greyscale and blurred unless ``view`` is ``revealed``; a reveal is a ``face.reveal``
    audit event, committed before the pixels are returned."""
    pictures.check_view(view, max_side)
    with session.store.read() as conn:
        found = Candidate.from_row(_in_case(conn, candidate_id, case_id))
        crop = stored.gallery_face_crop(conn, gallery_face_id)
    if crop is None or crop.identity_id != found.identity_id:
        raise NotFound(
            f"gallery face {gallery_face_id} is not a face of the identity candidate "
            f"{candidate_id} proposes"
        )
    if crop.thumbnail is None:
        raise NotFound(f"gallery face {gallery_face_id} has no picture")
    image = media.decode(bytes(crop.thumbnail), max_pixels=session.settings.max_pixels).image
    if view != "revealed":
        return pictures.Picture(media.blurred(image, max_side), view=view)
    with session.store.begin() as conn:
        detail = {"gallery_face_id": gallery_face_id, "candidate": candidate_id}
        detail["max_side"] = max_side
        audit.record(conn, session.actor, REVEAL_FACE, f"case:{found.case_id}", detail)
    return pictures.Picture(media.thumbnail(image, max_side), view=view)
