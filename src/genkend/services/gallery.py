"""The gallery of known persons: enrolment from photos, import of a folder, promotion of
a case cluster, and consultation.

Changing the gallery needs an investigator or a supervisor (promotion also membership
of the cluster's case). Reading it names identified victims: it is a consultation on
behalf of a case, with a purpose and a legal basis, audited (LED Art. 25).

Invariant: every change and every listing is one transaction with its audit event;
faces are found in the photos (the slow part) before that transaction opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genkend.faces import gallery
from genkend.faces.gallery import Enrolment
from genkend.faces.pipeline import face_options
from genkend.governance.access import CONTENT_ROLES, INVESTIGATORS, SUPERVISORS, require_purpose
from genkend.services.registry import service
from genkend.services.session import Session


@service("gallery enroll", INVESTIGATORS | SUPERVISORS)
def enroll(
    session: Session,
    label: str,
    images: list[Path],
    status: str = "unidentified_series",
    provenance: str = "",
    notes: str = "",
) -> Enrolment:
    """Enrol the largest face of each photo under the identity ``label`` (created if new);
    a photo without a readable face is reported in ``failed``."""
    return _enrol(session, label, images, status, provenance, notes)


@service("gallery import", INVESTIGATORS | SUPERVISORS)
def import_folder(
    session: Session, folder: Path, status: str = "unidentified_series"
) -> list[Enrolment]:
    """Enrol every identity of a folder: one subfolder per identity, named by its label."""
    found = gallery.identity_folders(folder)
    provenance = f"imported from {folder.absolute()}"
    return [_enrol(session, label, images, status, provenance, "") for label, images in found]


@service("gallery list", CONTENT_ROLES, case="case_id")
def consult(session: Session, case_id: str, purpose: str, legal_basis: str) -> list[dict[str, Any]]:
    """Every identity with its status and face count, read on behalf of ``case_id``."""
    require_purpose(purpose, legal_basis, "reading the gallery")
    with session.store.begin() as conn:
        return gallery.consult(conn, session.actor, case_id, purpose, legal_basis)


@service("gallery promote", INVESTIGATORS, case="case_id")
def promote(
    session: Session, case_id: str, cluster_id: int, label: str, status: str = "unidentified_series"
) -> int:
    """Add a case cluster's faces to the gallery as ``label``; returns the face count."""
    with session.store.begin() as conn:
        return gallery.promote(conn, session.actor, case_id, cluster_id, label, status)


def _enrol(
    session: Session, label: str, images: list[Path], status: str, provenance: str, notes: str
) -> Enrolment:
    gallery.check_status(status)
    options = face_options(session.settings)
    prepared = gallery.prepare(images, options, session.settings.max_pixels)
    with session.store.begin() as conn:
        return gallery.enroll(conn, session.actor, label, prepared, status, provenance, notes)
