"""The gallery: known persons (identified victims, unidentified series) and their faces.

A gallery identity has a unique label, a status (``identified`` or
``unidentified_series``), its provenance and notes. Its faces are embeddings made by one
backend each; searches compare only faces of the probe's backend. Faces enter the
gallery by enrolment from image files or by promoting a case cluster. The rows are read
and written by ``store.gallery``; this module keeps the rules.

Invariant: every change to the gallery, and every listing of it, is written with its
audit event on the caller's connection, in the transaction of the use case
(``services.gallery``) that owns it; the gallery's version (``version``) changes with every
added face, so a search records exactly which gallery it ran against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genkend.clock import utc_now_text
from genkend.errors import MediaError, NotFound, UsageError
from genkend.faces.pipeline import FaceOptions, faces_in_file, largest
from genkend.governance import audit
from genkend.media.named_files import IMAGE_READ_LIMIT, read_whole
from genkend.store import gallery as stored

if TYPE_CHECKING:
    from genkend.faces.pipeline import FoundFace
    from genkend.records import Actor
    from genkend.store import Connection

STATUSES = ("identified", "unidentified_series")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".bmp", ".tif", ".tiff"}


@dataclass(frozen=True)
class Prepared:
    """Faces read from image files before enrolment: (source, sha256, backend, face)."""

    ready: list[tuple[str, str, str, FoundFace]]
    failed: dict[str, str]


@dataclass
class Enrolment:
    label: str
    identity_id: int
    enrolled: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "identity_id": self.identity_id,
            "enrolled": self.enrolled,
            "failed": self.failed,
        }


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}")


def prepare(images: list[Path], options: FaceOptions, max_pixels: int) -> Prepared:
    """The largest face of each image, ready to enrol, and the images that failed.

    An image without a face, or that cannot be read, is reported in ``failed`` and the
    others are enrolled.
    """
    ready: list[tuple[str, str, str, FoundFace]] = []
    failed: dict[str, str] = {}
    for path in images:
        try:
            data = read_whole(path, IMAGE_READ_LIMIT)
            backend, found = faces_in_file(data, options, max_pixels)
        except (OSError, MediaError) as exc:
            failed[str(path)] = getattr(exc, "strerror", None) or str(exc)
            continue
        face = largest(found)
        if face is None:
            failed[str(path)] = "no face found"
            continue
        ready.append((str(path), hashlib.sha256(data).hexdigest(), backend.name, face))
    return Prepared(ready, failed)


def enroll(
    conn: Connection,
    actor: Actor,
    label: str,
    prepared: Prepared,
    status: str = "unidentified_series",
    provenance: str = "",
    notes: str = "",
) -> Enrolment:
    """Enrol the ``prepared`` faces under ``label`` (created if new)."""
    identity_id = _identity(conn, actor, label, status, provenance, notes)
    rows = [
        {
            "identity_id": identity_id,
            "backend": backend_name,
            "embedding": face.embedding,
            "source": source,
            "source_sha256": sha,
            "quality": face.quality,
            "thumbnail": face.thumbnail,
            "created_at": utc_now_text(),
            "created_by": actor.name,
        }
        for source, sha, backend_name, face in prepared.ready
    ]
    stored.insert_faces(conn, rows)
    audit.record(
        conn,
        actor,
        "gallery.enroll",
        f"identity:{label}",
        {
            "faces": len(rows),
            "sources": [r["source"] for r in rows],
            "source_sha256": [r["source_sha256"] for r in rows],
            "failed": prepared.failed,
        },
    )
    return Enrolment(label, identity_id, [p[0] for p in prepared.ready], prepared.failed)


def identity_folders(folder: Path) -> list[tuple[str, list[Path]]]:
    """A folder per identity: each subfolder's name is the label, its images the faces."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    return [(sub.name, _images(sub)) for sub in sorted(p for p in folder.iterdir() if p.is_dir())]


def promote(
    conn: Connection,
    actor: Actor,
    case_id: str,
    cluster_id: int,
    label: str,
    status: str = "unidentified_series",
) -> int:
    """Copy a case cluster's faces into the gallery under ``label``; returns the face count."""
    if not stored.cluster_exists(conn, case_id, cluster_id):
        raise NotFound(f"no cluster {cluster_id} in case {case_id}")
    members = stored.cluster_faces(conn, cluster_id)
    if not members:
        raise UsageError(f"cluster {cluster_id} has no faces with embeddings")
    identity_id = _identity(
        conn, actor, label, status, f"promoted from case {case_id} cluster {cluster_id}", ""
    )
    stored.insert_faces(
        conn,
        [
            {
                "identity_id": identity_id,
                "backend": f.backend,
                "embedding": f.embedding,
                "source": f"case:{case_id}/face:{f.id}",
                "source_sha256": None,
                "quality": f.quality,
                "thumbnail": f.thumbnail,
                "created_at": utc_now_text(),
                "created_by": actor.name,
            }
            for f in members
        ],
    )
    audit.record(
        conn,
        actor,
        "gallery.promote",
        f"identity:{label}",
        {"case": case_id, "cluster": cluster_id, "faces": [f.id for f in members]},
    )
    return len(members)


def consult(
    conn: Connection, actor: Actor, case_id: str, purpose: str, legal_basis: str
) -> list[dict[str, Any]]:
    """The identities, read on behalf of ``case_id`` with a purpose and a legal basis: the
    gallery names identified victims, so reading it is a consultation, audited (LED Art. 25)."""
    found = list_identities(conn)
    audit.record(
        conn,
        actor,
        "gallery.list",
        f"case:{case_id}",
        {"purpose": purpose, "legal_basis": legal_basis, "identities": [i["id"] for i in found]},
    )
    return found


def list_identities(conn: Connection) -> list[dict[str, Any]]:
    return stored.identities(conn)


def version(conn: Connection, backend: str) -> str:
    """Which gallery a search ran against: face count and newest face id for a backend."""
    return stored.version(conn, backend)


def _identity(
    conn: Connection, actor: Actor, label: str, status: str, provenance: str, notes: str
) -> int:
    if not label.strip():
        raise UsageError("a gallery identity needs a label")
    known = stored.identity_id(conn, label)
    if known is not None:
        return known
    identity_id = stored.insert_identity(
        conn,
        {
            "label": label,
            "status": status,
            "provenance": provenance,
            "notes": notes,
            "created_at": utc_now_text(),
            "created_by": actor.name,
        },
    )
    audit.record(
        conn,
        actor,
        "gallery.identity.create",
        f"identity:{label}",
        {"status": status, "provenance": provenance},
    )
    return identity_id


def _images(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
