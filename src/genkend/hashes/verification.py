"""Evidence verification: the evidence's hash recomputed, compared, recorded and audited.

A verification measures a registered source (``evidence.integrity.measure``) and
compares what it found with (1) the MD5 and SHA-1 an EWF container stores of its media
data, and (2) the SHA-256 of the source's first complete verification, its
**baseline** (for an ingested disk image: the one made before the ingest read it). It
is recorded (``evidence_verifications``) with its ``evidence.verify`` audit event in one
transaction. ``match`` is True when every comparison agrees, False when one does not or
the evidence could not be read to the end, and None when there was nothing to compare
with yet (the first verification of a raw image or a folder: it becomes the baseline).

Invariant: a mismatch or an unreadable source is a recorded result, never an exception;
the evidence is only read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend.clock import utc_now_text
from genkend.errors import EvidenceError
from genkend.evidence.integrity import Measurement, measure
from genkend.evidence.root_hash import RootHash
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import verifications as stored
from genkend.workspace import Workspace

STAGES = ("before-ingest", "after-ingest", "check")
# What a verification that could not read its evidence says of the digests: nothing.
UNMEASURED: dict[str, Any] = {
    "container": None, "scope": None, "bytes": None, "sha256": None, "sha1": None,
    "md5": None, "stored": {}, "segments": [],
}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One comparison: what the digest should be (``expected``, from ``against``)."""

    against: str
    algorithm: str
    expected: str
    found: str

    @property
    def ok(self) -> bool:
        return self.expected == self.found

    def as_dict(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "algorithm": self.algorithm,
            "expected": self.expected,
            "found": self.found,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class Verification:
    """One recorded verification of one source."""

    id: int
    case_id: str
    source_id: str
    root: str
    stage: str
    verified_at: str
    verified_by: str
    match: bool | None
    checks: tuple[Check, ...]
    measurement: Measurement | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        m = self.measurement
        return {
            "id": self.id,
            "case_id": self.case_id,
            "source_id": self.source_id,
            "root": self.root,
            "stage": self.stage,
            "verified_at": self.verified_at,
            "verified_by": self.verified_by,
            "match": self.match,
            "checks": [c.as_dict() for c in self.checks],
            **(m.as_dict() if m else UNMEASURED),
            "error": self.error,
        }


def verify(
    ws: Workspace,
    actor: Actor,
    case_id: str,
    source_pk: int,
    source_id: str,
    root: Path,
    stage: str,
) -> Verification:
    """Measure the source at ``root``, compare, record and audit; the verification."""
    if stage not in STAGES:
        raise ValueError(f"unknown verification stage {stage!r}")
    measurement, error = None, None
    try:
        measurement = measure(root)
    except EvidenceError as exc:
        error = str(exc)
    except OSError as exc:  # a device error under the image reader: recorded, not raised
        error = f"evidence {root} could not be read to the end: {exc.strerror or exc}"
    with ws.store.begin() as conn:
        baseline = stored.baseline(conn, source_pk)
        checks = _checks(measurement, baseline)
        match = False if error else (all(c.ok for c in checks) if checks else None)
        at = utc_now_text()
        row = _row(measurement, error)
        outcome = {"match": match, "detail": json.dumps([c.as_dict() for c in checks])}
        pk = stored.add(
            conn, case_id=case_id, source_pk=source_pk, stage=stage, verified_at=at,
            verified_by=actor.name, **row, **outcome,
        )  # fmt: skip
        found = Verification(
            pk, case_id, source_id, str(root), stage, at, actor.name, match, checks,
            measurement, error,
        )  # fmt: skip
        detail = {k: v for k, v in found.as_dict().items() if k not in ("case_id", "source_id")}
        audit.record(conn, actor, "evidence.verify", f"source:{case_id}/{source_id}", detail)
    return found


def _checks(measurement: Measurement | None, baseline: Any) -> tuple[Check, ...]:
    if measurement is None:
        return ()
    checks = []
    for algorithm in ("md5", "sha1"):
        expected = measurement.stored.get(algorithm)
        if expected:
            found = getattr(measurement, algorithm)
            checks.append(Check("EWF container", algorithm, expected, found))
    if baseline is not None:
        against = f"baseline: verification {baseline.id} ({baseline.stage}, {baseline.verified_at})"
        checks.append(Check(against, "sha256", baseline.sha256, measurement.sha256))
    return tuple(checks)


def _row(m: Measurement | None, error: str | None) -> dict[str, Any]:
    return {
        "container": m.container if m else "unreadable",
        "scope": m.scope if m else "none",
        "bytes": m.size if m else None,
        "sha256": m.sha256 if m else None,
        "md5": m.md5 if m else None,
        "sha1": m.sha1 if m else None,
        "stored_md5": m.stored.get("md5") if m else None,
        "stored_sha1": m.stored.get("sha1") if m else None,
        "error": error,
    }


def after_ingest(verifications: list[dict[str, Any]]) -> RootHash | None:
    """The image's media-data hash an after-ingest verification computed, if one did: the
    source hash of the ingest's summary, so that the image is not read a third time."""
    after = [v for v in verifications if v["stage"] == "after-ingest" and v["sha256"]]
    return RootHash(after[0]["sha256"], "image") if after else None
