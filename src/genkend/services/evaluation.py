"""Evaluation of the configured face backend on a labelled folder, and its calibration.

``evaluate`` measures failure to enrol, 1:1 and 1:N error rates and clustering scores by
protocol; with ``calibrate`` it also stores the distance -> false-match-rate table that
search results quote from then on. Evaluating is open to investigators, supervisors and
admins; storing a calibration, which changes what every later search reports, only to
supervisors and admins.

Invariants: a calibration is stored in the transaction of its ``calibration.store`` audit
event; every evaluation is recorded as an ``evaluate`` event naming the folder, the seed,
the report and the calibration it stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genkend.clock import utc_now_text
from genkend.evaluate import (
    BackendSpec,
    EvaluationResult,
    calibration,
    embed_folder,
    load_folder,
)
from genkend.evaluate import (
    evaluate as measure,
)
from genkend.faces.pipeline import face_options
from genkend.governance import access, audit
from genkend.governance.access import ADMINS, INVESTIGATORS, SUPERVISORS, Need
from genkend.metrics.calibration import Calibration
from genkend.report import write_html
from genkend.services.registry import service
from genkend.services.session import Session
from genkend.store import calibrations as stored_calibrations


@dataclass(frozen=True)
class Evaluation:
    """One evaluation run: its numbers, and the calibration it stored (if asked)."""

    backend: str
    photos: int
    result: EvaluationResult
    calibration_id: int | None
    report: Path | None

    def as_dict(self) -> dict[str, Any]:
        """The shape ``evaluate --json`` prints."""
        return {**self.result.to_dict(), "calibration_id": self.calibration_id}


@service("evaluate", INVESTIGATORS | SUPERVISORS | ADMINS)
def evaluate(
    session: Session,
    folder: Path,
    seed: int = 0,
    workers: int | None = None,
    report: Path | None = None,
    calibrate: bool = False,
) -> Evaluation:
    """Evaluate on ``folder`` (identity subfolders or a labels.csv); ``workers``: worker
    processes, one per core by default; ``report``: write an HTML report there."""
    if calibrate:
        need = Need("evaluate --calibrate", SUPERVISORS | ADMINS)
        access.require(session.store, session.actor, need)
    options = face_options(session.settings)
    photos = load_folder(folder)
    enrolment = embed_folder(
        BackendSpec(options.backend, dict(options.options)),
        photos,
        workers=workers if workers is not None else (os.cpu_count() or 1),
        max_side=options.max_side,
        max_pixels=session.settings.max_pixels,
    )
    result = measure(enrolment, seed)
    calibration_id = _save_calibration(session, calibration(enrolment, seed)) if calibrate else None
    if report is not None:
        write_html(result, report)
    with session.store.begin() as conn:
        audit.record(
            conn,
            session.actor,
            "evaluate",
            f"backend:{enrolment.backend}",
            {
                "folder": str(folder.absolute()),
                "photos": len(photos),
                "seed": seed,
                "report": str(report.absolute()) if report else None,
                "calibration_id": calibration_id,
            },
        )
    return Evaluation(enrolment.backend, len(photos), result, calibration_id, report)


def _save_calibration(session: Session, table: Calibration) -> int:
    """Store the table in force for its backend from now on, with its audit event."""
    with session.store.begin() as conn:
        calibration_id = stored_calibrations.insert_one(
            conn, table.backend, table.to_json(), utc_now_text(), session.actor.name
        )
        audit.record(
            conn,
            session.actor,
            "calibration.store",
            f"backend:{table.backend}",
            {
                "calibration_id": calibration_id,
                "dataset": table.dataset,
                "seed": table.seed,
                "genuine": table.genuine_comparisons,
                "impostor": table.impostor_comparisons,
            },
        )
    return calibration_id
