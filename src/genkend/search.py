"""1:N face search: link within cases, or identify against the gallery of known persons.

Without ``gallery`` a search LINKS: it compares the probe face with the faces of the case
(or, with ``all_cases``, of every case the searcher is a member of). With ``gallery`` it
IDENTIFIES: it compares the probe with the gallery of known persons on behalf of a case.
Both are biometric searches: each needs a purpose and a legal basis and is recorded in
the audit log with its start and end time, the reference database and its version
(for a link search, the cases searched), the input and the results (AI Act Art. 12(3)).
Results are candidates, never verdicts: each carries the distance, the threshold in
force and, where the backend has a calibration, the false-match rate measured at that
distance.

Invariants: only faces embedded by the probe's backend, and only of cases the searcher
is a member of, are compared; the search index is derived from the store and cached by
the reference (which names the cases) and its version, never trusted beyond it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, insert, select

from genkend import cases, gallery, review
from genkend.clock import utc_now_text
from genkend.errors import MediaError, PermissionDenied, UsageError
from genkend.faces.pipeline import FaceOptions, faces_in_file, largest
from genkend.governance import audit, authorisations
from genkend.governance.access import member_cases, require_purpose
from genkend.hashes import digests as hashing
from genkend.hashes.analysis import IMAGE_READ_LIMIT
from genkend.index import FlatFloatIndex, HnswFloatIndex, build_float_index, load_float_index
from genkend.media.named_files import read_whole
from genkend.metrics.calibration import Calibration
from genkend.store.schema import (
    calibrations,
    evidence_sources,
    faces,
    gallery_faces,
    gallery_identities,
    media_locations,
)
from genkend.workspace import Workspace

# Faces fetched per identity asked for, so that identities with many faces do not crowd
# out the others before grouping.
FACES_PER_IDENTITY = 5


@dataclass(frozen=True)
class Request:
    image: Path
    case_id: str
    purpose: str
    legal_basis: str
    gallery: bool = False
    all_cases: bool = False
    k: int = 10
    max_distance: float = 0.6


@dataclass
class Result:
    kind: str
    reference: str
    reference_version: str
    backend: str
    probe_sha256: str
    probe_box: list[int] | None
    started_at: str
    cases: list[str] = field(default_factory=list)
    ended_at: str = ""
    calibration_id: int | None = None
    authorisation_id: int | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    audit_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run(ws: Workspace, options: FaceOptions, request: Request) -> Result:
    started = utc_now_text()
    with ws.store.read() as conn:
        cases.get(conn, request.case_id)
    try:
        authorisation_id = _admissible(ws, request)
    except (UsageError, PermissionDenied) as refusal:
        with ws.store.begin() as conn:
            audit.record(
                conn,
                ws.actor,
                "search.refused",
                f"case:{request.case_id}",
                {
                    "kind": "gallery" if request.gallery else "case",
                    "reason": str(refusal),
                    "purpose": request.purpose,
                    "legal_basis": request.legal_basis,
                    "input": {"file": str(request.image)},
                    "at": started,
                },
            )
        raise
    try:
        data = read_whole(request.image, IMAGE_READ_LIMIT)
    except OSError as exc:
        raise UsageError(f"cannot read probe {request.image}: {exc.strerror or exc}") from exc
    try:
        backend, found = faces_in_file(data, options, ws.settings.max_pixels)
    except MediaError as exc:
        raise UsageError(f"probe {request.image}: {exc}") from exc
    probe = largest(found)
    kind = "search.gallery" if request.gallery else "search.case"
    with ws.store.read() as conn:
        searched = _searched(conn, ws, request)
        reference, version = _reference(conn, request, backend.name, searched)
    result = Result(
        kind,
        reference,
        version,
        backend.name,
        hashing.digest_bytes(data).sha256,
        list(probe.box) if probe else None,
        started,
        searched,
        authorisation_id=authorisation_id,
    )
    if probe is not None:
        with ws.store.read() as conn:
            result.candidates = _candidates(ws, conn, request, result, probe.vector())
            calibration = latest_calibration(conn, backend.name)
        if calibration is not None:
            result.calibration_id = calibration[0]
            for candidate in result.candidates:
                candidate["fmr"] = calibration[1].fmr_at(candidate["distance"])
    result.ended_at = utc_now_text()
    with ws.store.begin() as conn:
        event = audit.record(
            conn,
            ws.actor,
            kind,
            f"case:{request.case_id}",
            {
                "purpose": request.purpose,
                "legal_basis": request.legal_basis,
                "started_at": result.started_at,
                "ended_at": result.ended_at,
                "reference": reference,
                "reference_version": version,
                "cases": searched,
                "backend": backend.name,
                "input": {
                    "file": str(request.image),
                    "sha256": result.probe_sha256,
                    "box": result.probe_box,
                    "faces_in_probe": len(found),
                },
                "k": request.k,
                "max_distance": request.max_distance,
                "calibration_id": result.calibration_id,
                "authorisation_id": authorisation_id,
                "results": [{k: c[k] for k in ("id", "distance")} for c in result.candidates],
            },
        )
        if request.gallery:
            # proposals to review, linked to this very event (review.py)
            ids = review.record_candidates(
                conn, request.case_id, result, search_seq=event.seq, probe=str(request.image)
            )
            for candidate, candidate_id in zip(result.candidates, ids, strict=True):
                candidate["candidate_id"] = candidate_id
    result.audit_seq = event.seq
    if probe is None:
        raise UsageError(f"no face found in probe {request.image} (the attempt is audited)")
    return result


def _admissible(ws: Workspace, request: Request) -> int | None:
    """Refuse a search without purpose and legal basis, or a gallery search without a
    valid authorisation; returns the authorisation a gallery search runs under."""
    require_purpose(request.purpose, request.legal_basis, "a face search")
    if request.k < 1 or request.max_distance <= 0:
        raise UsageError("--k must be at least 1 and --max-distance positive")
    if not request.gallery:
        return None
    with ws.store.read() as conn:
        return int(authorisations.valid(conn, request.case_id, ws.actor.name)["id"])


def _searched(conn: Connection, ws: Workspace, request: Request) -> list[str]:
    """The cases whose faces a link search compares: its own, or every case the searcher
    is a member of (need-to-know holds across cases too); none for the gallery."""
    if request.gallery:
        return []
    return member_cases(conn, ws.actor.name) if request.all_cases else [request.case_id]


def _reference(
    conn: Connection, request: Request, backend: str, searched: list[str]
) -> tuple[str, str]:
    if request.gallery:
        return "gallery", gallery.version(conn, backend)
    count, newest = conn.execute(
        select(func.count(), func.max(faces.c.id)).where(
            faces.c.backend == backend,
            faces.c.embedding.is_not(None),
            faces.c.case_id.in_(searched),
        )
    ).one()
    reference = "cases:" + ",".join(searched) if request.all_cases else f"case:{request.case_id}"
    return reference, f"{count}:{newest or 0}"


def _candidates(
    ws: Workspace,
    conn: Connection,
    request: Request,
    result: Result,
    vector: np.ndarray,
) -> list[dict[str, Any]]:
    index = _index(ws, conn, result, len(vector))
    if request.gallery:
        return _identities(conn, index, vector, request)
    found = index.search(vector, request.k, request.max_distance)
    return [
        _face_candidate(conn, rank, n.id, n.distance, request.max_distance)
        for rank, n in enumerate(found, start=1)
    ]


def _identities(
    conn: Connection, index: Any, vector: np.ndarray, request: Request
) -> list[dict[str, Any]]:
    found = index.search(vector, request.k * FACES_PER_IDENTITY, request.max_distance)
    if not found:
        return []
    owners = dict(
        conn.execute(
            select(gallery_faces.c.id, gallery_faces.c.identity_id).where(
                gallery_faces.c.id.in_([n.id for n in found])
            )
        ).all()
    )
    best: dict[int, tuple[float, int]] = {}
    for n in found:
        identity = owners[n.id]
        if identity not in best or n.distance < best[identity][0]:
            best[identity] = (n.distance, n.id)
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))[: request.k]
    labels = {
        r.id: r
        for r in conn.execute(
            select(gallery_identities).where(gallery_identities.c.id.in_([i for i, _ in ranked]))
        )
    }
    return [
        {
            "rank": rank,
            "kind": "identity",
            "id": identity,
            "label": labels[identity].label,
            "status": labels[identity].status,
            "closest_gallery_face": face_id,
            "distance": round(float(distance), 6),
            "max_distance": request.max_distance,
            "fmr": None,
        }
        for rank, (identity, (distance, face_id)) in enumerate(ranked, start=1)
    ]


def _face_candidate(
    conn: Connection, rank: int, face_id: int, distance: float, max_distance: float
) -> dict[str, Any]:
    row = conn.execute(
        select(
            faces.c.case_id,
            faces.c.media_id,
            faces.c.cluster_id,
            faces.c.x1,
            faces.c.y1,
            faces.c.x2,
            faces.c.y2,
        ).where(faces.c.id == face_id)
    ).one()
    location = conn.execute(
        select(evidence_sources.c.source_id, media_locations.c.location)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(media_locations.c.media_id == row.media_id)
        .order_by(media_locations.c.id)
        .limit(1)
    ).first()
    return {
        "rank": rank,
        "kind": "face",
        "id": face_id,
        "case_id": row.case_id,
        "media_id": row.media_id,
        "cluster_id": row.cluster_id,
        "box": [row.x1, row.y1, row.x2, row.y2],
        "location": f"{location.source_id}:{location.location}" if location else None,
        "distance": round(float(distance), 6),
        "max_distance": max_distance,
        "fmr": None,
    }


def _index(
    ws: Workspace, conn: Connection, result: Result, dim: int
) -> FlatFloatIndex | HnswFloatIndex:
    """The reference's index, from the cache when it is of this very version (the
    reference names the cases searched, so one searcher's index never serves another)."""
    key = hashlib.sha256(
        f"{result.reference}|{result.backend}|{result.reference_version}".encode()
    ).hexdigest()[:24]
    path = ws.index_dir / f"{key}.faiss"
    if path.exists():
        return load_float_index(path)
    if result.kind == "search.gallery":
        query = select(gallery_faces.c.id, gallery_faces.c.embedding).where(
            gallery_faces.c.backend == result.backend
        )
    else:
        query = select(faces.c.id, faces.c.embedding).where(
            faces.c.backend == result.backend,
            faces.c.embedding.is_not(None),
            faces.c.case_id.in_(result.cases),
        )
    ids, vectors = [], []
    for row in conn.execute(query):
        ids.append(row.id)
        vectors.append(np.frombuffer(row.embedding, dtype=np.float32))
    index = build_float_index(dim, len(ids))
    if ids:
        index.add(np.asarray(ids, dtype=np.int64), np.stack(vectors))
    index.save(path)
    return index


def latest_calibration(conn: Connection, backend: str) -> tuple[int, Calibration] | None:
    row = conn.execute(
        select(calibrations)
        .where(calibrations.c.backend == backend)
        .order_by(calibrations.c.id.desc())
        .limit(1)
    ).first()
    return (int(row.id), Calibration.from_json(row.table_json)) if row else None


def save_calibration(ws: Workspace, calibration: Calibration) -> int:
    with ws.store.begin() as conn:
        calibration_id = int(
            conn.execute(
                insert(calibrations)
                .values(
                    backend=calibration.backend,
                    table_json=calibration.to_json(),
                    created_at=utc_now_text(),
                    created_by=ws.actor.name,
                )
                .returning(calibrations.c.id)
            ).scalar_one()
        )
        audit.record(
            conn,
            ws.actor,
            "calibration.store",
            f"backend:{calibration.backend}",
            {
                "calibration_id": calibration_id,
                "dataset": calibration.dataset,
                "seed": calibration.seed,
                "genuine": calibration.genuine_comparisons,
                "impostor": calibration.impostor_comparisons,
            },
        )
    return calibration_id
