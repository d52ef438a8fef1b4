"""1:N face search: link within cases, or identify against the gallery of known persons.

Without ``in_gallery`` a search LINKS: it compares the probe face with the faces of the
case (or, with ``all_cases``, of every case the searcher is a member of). With
``in_gallery`` it IDENTIFIES: it compares the probe with the gallery of known persons on
behalf of a case, under the case's valid authorisation, and proposes each identity found
as a review candidate. Both are biometric searches: each needs a purpose and a legal
basis and is recorded in the audit log with its start and end time, the reference
database and its version (for a link search, the cases searched), the input and the
results (AI Act Art. 12(3)); a refused one is recorded as ``search.refused``.

Invariants: only faces embedded by the probe's backend, and only of cases the searcher
is a member of, are compared; the search index is derived from the store and cached by
the reference (which names the cases) and its version, never trusted beyond it; the
search's audit event and its candidates are written in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from genkend.clock import utc_now_text
from genkend.errors import InvalidField, MediaError, PermissionDenied, UsageError
from genkend.faces import gallery
from genkend.faces.pipeline import face_options, faces_in_file, largest
from genkend.governance import audit, authorisations, cases, checkpoints
from genkend.governance.access import INVESTIGATORS, member_cases, require_purpose
from genkend.hashes import digests as hashing
from genkend.index import FlatFloatIndex, HnswFloatIndex, build_float_index, load_float_index
from genkend.media.named_files import IMAGE_READ_LIMIT, read_whole
from genkend.metrics.calibration import Calibration
from genkend.review import matching
from genkend.review.matching import FACES_PER_IDENTITY, FaceMatch, IdentityMatch, Match, Result
from genkend.services.registry import service
from genkend.services.session import Session
from genkend.store import calibrations as stored_calibrations
from genkend.store import candidates as stored_candidates
from genkend.store import search_space

if TYPE_CHECKING:
    from genkend.store import Connection


@dataclass(frozen=True)
class _Request:
    image: Path
    case_id: str
    purpose: str
    legal_basis: str
    in_gallery: bool
    all_cases: bool
    k: int
    max_distance: float

    @property
    def kind(self) -> str:
        return "search.gallery" if self.in_gallery else "search.case"


@service("search face", INVESTIGATORS, case="case_id")
def face(
    session: Session,
    image: Path,
    case_id: str,
    purpose: str,
    legal_basis: str,
    in_gallery: bool = False,
    all_cases: bool = False,
    k: int = 10,
    max_distance: float | None = None,
) -> Result:
    """Rank candidates for the largest face of the photo ``image``.

    ``max_distance`` defaults to the setting ``search_max_distance``; a search that
    finds no face in the probe is audited, then refused.
    """
    if max_distance is None:
        max_distance = session.settings.search_max_distance
    request = _Request(image, case_id, purpose, legal_basis, in_gallery, all_cases, k, max_distance)
    started = utc_now_text()
    with session.store.read() as conn:
        cases.get(conn, case_id)
    authorisation_id = _admissible(session, request, started)
    data, backend, found = _probe(session, image)
    probe = largest(found)
    with session.store.read() as conn:
        searched = _searched(conn, session, request)
        reference, version = _reference(conn, request, backend, searched)
        result = Result(
            request.kind,
            reference,
            version,
            backend,
            hashing.digest_bytes(data).sha256,
            tuple(probe.box) if probe else None,
            started,
            tuple(searched),
            authorisation_id=authorisation_id,
        )
        if probe is not None:
            result = _with_matches(session, conn, request, result, probe.vector())
    result = _recorded(session, request, replace(result, ended_at=utc_now_text()), len(found))
    checkpoints.automatic(session.workspace, session.actor, "search")
    if probe is None:
        raise UsageError(f"no face found in probe {image} (the attempt is audited)")
    return result


def _admissible(session: Session, request: _Request, started: str) -> int | None:
    """Refuse (and audit as ``search.refused``) a search without purpose and legal basis,
    or a gallery search without a valid authorisation; returns the authorisation a
    gallery search runs under."""
    try:
        require_purpose(request.purpose, request.legal_basis, "a face search")
        if request.k < 1:
            raise InvalidField("k", "must be at least 1")
        if request.max_distance <= 0:
            raise InvalidField("max_distance", "must be positive")
        if not request.in_gallery:
            return None
        with session.store.read() as conn:
            return int(authorisations.valid(conn, request.case_id, session.caller.name)["id"])
    except (UsageError, PermissionDenied) as refusal:
        detail = {
            "kind": "gallery" if request.in_gallery else "case",
            "reason": str(refusal),
            "purpose": request.purpose,
            "legal_basis": request.legal_basis,
            "input": {"file": str(request.image)},
            "at": started,
        }
        with session.store.begin() as conn:
            audit.record(conn, session.actor, "search.refused", f"case:{request.case_id}", detail)
        raise


def _probe(session: Session, image: Path) -> tuple[bytes, str, list[Any]]:
    """The probe's bytes, the backend that looked at it and the faces it found."""
    try:
        data = read_whole(image, IMAGE_READ_LIMIT)
    except OSError as exc:
        raise UsageError(f"cannot read probe {image}: {exc.strerror or exc}") from exc
    try:
        backend, found = faces_in_file(
            data, face_options(session.settings), session.settings.max_pixels
        )
    except MediaError as exc:
        raise UsageError(f"probe {image}: {exc}") from exc
    return data, backend.name, list(found)


def _searched(conn: Connection, session: Session, request: _Request) -> list[str]:
    """The cases whose faces a link search compares: its own, or every case the searcher
    is a member of (need-to-know holds across cases too); none for the gallery."""
    if request.in_gallery:
        return []
    if request.all_cases:
        return member_cases(conn, session.caller.name)
    return [request.case_id]


def _reference(
    conn: Connection, request: _Request, backend: str, searched: list[str]
) -> tuple[str, str]:
    if request.in_gallery:
        return "gallery", gallery.version(conn, backend)
    version = search_space.case_faces_version(conn, backend, searched)
    reference = "cases:" + ",".join(searched) if request.all_cases else f"case:{request.case_id}"
    return reference, version


def _with_matches(
    session: Session, conn: Connection, request: _Request, result: Result, vector: np.ndarray
) -> Result:
    index = _index(session, conn, result, len(vector))
    found: list[Match]
    if request.in_gallery:
        found = list(_identities(conn, index, vector, request))
    else:
        neighbours = index.search(vector, request.k, request.max_distance)
        found = [
            _face_match(conn, rank, n.id, n.distance, request.max_distance)
            for rank, n in enumerate(neighbours, start=1)
        ]
    result = replace(result, candidates=tuple(found))
    latest = stored_calibrations.latest(conn, result.backend)
    if latest is None:
        return result
    calibration = Calibration.from_json(latest[1])
    return replace(
        result, calibration_id=latest[0], candidates=matching.with_fmr(found, calibration)
    )


def _identities(
    conn: Connection, index: FlatFloatIndex | HnswFloatIndex, vector: np.ndarray, request: _Request
) -> list[IdentityMatch]:
    found = index.search(vector, request.k * FACES_PER_IDENTITY, request.max_distance)
    if not found:
        return []
    owners = search_space.gallery_owners(conn, [n.id for n in found])
    ranked = matching.closest_per_identity(found, owners, request.k)
    labels = search_space.identities(conn, [identity for identity, _, _ in ranked])
    return [
        IdentityMatch(
            rank=rank,
            id=identity,
            label=labels[identity]["label"],
            status=labels[identity]["status"],
            closest_gallery_face=face_id,
            distance=round(float(distance), 6),
            max_distance=request.max_distance,
        )
        for rank, (identity, distance, face_id) in enumerate(ranked, start=1)
    ]


def _face_match(
    conn: Connection, rank: int, face_id: int, distance: float, max_distance: float
) -> FaceMatch:
    facts = search_space.face_facts(conn, face_id)
    return FaceMatch(
        rank=rank,
        id=face_id,
        case_id=facts["case_id"],
        media_id=facts["media_id"],
        cluster_id=facts["cluster_id"],
        box=facts["box"],
        location=facts["location"],
        distance=round(float(distance), 6),
        max_distance=max_distance,
    )


def _index(
    session: Session, conn: Connection, result: Result, dim: int
) -> FlatFloatIndex | HnswFloatIndex:
    """The reference's index, from the cache when it is of this very version (the
    reference names the cases searched, so one searcher's index never serves another)."""
    key = hashlib.sha256(
        f"{result.reference}|{result.backend}|{result.reference_version}".encode()
    ).hexdigest()[:24]
    path = session.workspace.index_dir / f"{key}.faiss"
    if path.exists():
        return load_float_index(path)
    searched = None if result.kind == "search.gallery" else list(result.cases)
    ids, vectors = [], []
    for face_id, embedding in search_space.embeddings(conn, result.backend, searched):
        ids.append(face_id)
        vectors.append(np.frombuffer(embedding, dtype=np.float32))
    index = build_float_index(dim, len(ids))
    if ids:
        index.add(np.asarray(ids, dtype=np.int64), np.stack(vectors))
    index.save(path)
    return index


def _recorded(session: Session, request: _Request, result: Result, faces_in_probe: int) -> Result:
    """The search's audit event and, for the gallery, its candidates: one transaction."""
    with session.store.begin() as conn:
        event = audit.record(
            conn,
            session.actor,
            request.kind,
            f"case:{request.case_id}",
            _audit_detail(request, result, faces_in_probe),
        )
        if request.in_gallery:
            now = utc_now_text()
            proposed = matching.proposals(result, request.case_id, str(request.image), event.seq)
            ids = stored_candidates.insert_all(conn, [p.as_row(now) for p in proposed])
            result = replace(
                result,
                candidates=tuple(
                    replace(c, candidate_id=i) if isinstance(c, IdentityMatch) else c
                    for c, i in zip(result.candidates, ids, strict=True)
                ),
            )
    return replace(result, audit_seq=event.seq)


def _audit_detail(request: _Request, result: Result, faces_in_probe: int) -> dict[str, Any]:
    return {
        "purpose": request.purpose,
        "legal_basis": request.legal_basis,
        "started_at": result.started_at,
        "ended_at": result.ended_at,
        "reference": result.reference,
        "reference_version": result.reference_version,
        "cases": list(result.cases),
        "backend": result.backend,
        "input": {
            "file": str(request.image),
            "sha256": result.probe_sha256,
            "box": None if result.probe_box is None else list(result.probe_box),
            "faces_in_probe": faces_in_probe,
        },
        "k": request.k,
        "max_distance": request.max_distance,
        "calibration_id": result.calibration_id,
        "authorisation_id": result.authorisation_id,
        "results": [{"id": c.id, "distance": c.distance} for c in result.candidates],
    }
