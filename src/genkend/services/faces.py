"""Faces of a case: listing them, exporting them for analysts, and clustering them into
presumed persons.

Reading faces is consultation of case content (members only). An export of embeddings
is biometric data leaving the workbench: it states a purpose and a legal basis and is
audited with the file's SHA-256. Clustering links material within a case and identifies
no one; the use case picks the face backend and the cluster thresholds, so that every
shell clusters alike.

A face's picture is blurred and greyscale unless revealed (``face.reveal``).

Invariant: the export's file and its ``export.faces`` event, and a clustering run and
its ``faces.cluster`` event, are made in one transaction of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend.cluster import ClusterParams
from genkend.cluster import case as case_clusters
from genkend.errors import NotFound, SettingsError, UsageError
from genkend.faces import catalog as face_catalog
from genkend.faces.pipeline import backend_for, face_options
from genkend.governance import audit, cases
from genkend.governance.access import CONTENT_ROLES, INVESTIGATORS, require_purpose
from genkend.hashes import digests as hashing
from genkend.hashes import pictures
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session
from genkend.settings import Settings
from genkend.store import faces as stored_faces

REVEAL_FACE = "face.reveal"


@dataclass(frozen=True)
class FacesExport:
    """An export written: where, its digest, how many faces and of which backend."""

    case_id: str
    output: Path
    sha256: str
    faces: int
    backend: str


@service("faces list", CONTENT_ROLES, case="case_id")
def list_faces(session: Session, case_id: str) -> list[dict[str, Any]]:
    """Every face: id, media, location, box, landmarks, score, quality, cluster, backend."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        return list(face_catalog.list_faces(conn, case_id))


@service("faces export", INVESTIGATORS, case="case_id")
def export(
    session: Session,
    case_id: str,
    output: Path,
    purpose: str,
    legal_basis: str,
    backend: str | None = None,
) -> FacesExport:
    """Write the case's faces of ``backend`` (default: its most common) as a ``.npz``."""
    require_purpose(purpose, legal_basis, "an export of biometric data")
    with session.store.begin() as conn:
        cases.get(conn, case_id)
        known = stored_faces.backends(conn, case_id)
        chosen = backend or (known[0] if known else None)
        if chosen is None:
            raise UsageError(f"case {case_id} has no faces to export")
        count = face_catalog.export_npz(conn, case_id, chosen, output)
        with output.open("rb") as written:
            digest = hashing.digest(written).sha256
        detail = {
            "file": str(output.absolute()),
            "sha256": digest,
            "faces": count,
            "backend": chosen,
            "purpose": purpose,
            "legal_basis": legal_basis,
        }
        audit.record(conn, session.actor, "export.faces", f"case:{case_id}", detail)
    return FacesExport(case_id, output, digest, count, chosen)


@service("faces cluster", INVESTIGATORS, case="case_id")
def cluster(session: Session, case_id: str, rebuild: bool = False) -> dict[str, Any]:
    """Group the case's unclustered faces into presumed persons (incremental); with
    ``rebuild`` the unconfirmed clusters are made again. Returns the run's summary."""
    params = _cluster_params(session.settings)
    backend = backend_for(face_options(session.settings)).name
    with session.store.begin() as conn:
        return case_clusters.cluster_case(conn, session.actor, case_id, backend, params, rebuild)


def _cluster_params(settings: Settings) -> ClusterParams:
    """The clustering thresholds of the settings ``cluster_*`` (defaults measured for the
    default face backend: see ``genkend.cluster.params``)."""
    try:
        return ClusterParams(
            max_distance=settings.cluster_max_distance,
            max_mean_distance=settings.cluster_max_mean_distance,
            max_diameter=settings.cluster_max_diameter,
            neighbours=settings.cluster_neighbours,
        )
    except ValueError as exc:
        raise SettingsError(f"cluster settings: {exc}") from None


def _case_of_face(session: Session, face_id: int) -> str:
    with session.store.read() as conn:
        return pictures.case_of_face(conn, face_id)


@service("faces picture", CONTENT_ROLES, case=CaseOf("face_id", _case_of_face))
def face_picture(
    session: Session,
    face_id: int,
    view: str = "blurred",
    max_side: int = 128,
    case_id: str | None = None,
) -> pictures.Picture:
    """The face's stored crop: greyscale and blurred unless ``view`` is ``revealed``; a
    reveal is a ``face.reveal`` audit event, committed before the pixels are returned.
    With ``case_id``, a face of another case is not found (and nothing is revealed)."""
    pictures.check_view(view, max_side)
    with session.store.read() as conn:
        of_case = pictures.case_of_face(conn, face_id)
        if case_id is not None and of_case != case_id:
            raise NotFound(f"face {face_id} is not in case {case_id}")
        cases.get(conn, of_case)
        shown = pictures.face_picture(conn, face_id, view, max_side)
    if view == "revealed":
        with session.store.begin() as conn:
            detail = {"face_id": face_id, "max_side": max_side}
            audit.record(conn, session.actor, REVEAL_FACE, f"case:{of_case}", detail)
    return shown
