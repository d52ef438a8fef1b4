"""Ingest: analyse evidence into a case, each source recorded with its progress.

The use case is the access rule (investigators who are members of the case) in front
of the run loop in ``genkend.hashes.ingest_run``. Invariant: every file listed ends as exactly one
location row; a run that stops can be run again and finishes the rest.
"""

from __future__ import annotations

from pathlib import Path

from genkend.governance import checkpoints
from genkend.governance.access import INVESTIGATORS
from genkend.hashes import ingest_run
from genkend.hashes.ingest_run import Progress, Summary
from genkend.services.registry import service
from genkend.services.session import Session


@service("ingest", INVESTIGATORS, case="case_id")
def run(
    session: Session,
    case_id: str,
    roots: list[Path],
    source_id: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    faces: bool = True,
) -> list[Summary]:
    """Ingest each of ``roots`` as one evidence source of the case; a summary of each."""
    summaries = ingest_run.run(
        session.workspace, session.actor, case_id, roots, source_id, workers, progress, faces
    )
    checkpoints.automatic(session.workspace, session.actor, "ingest")
    return summaries
