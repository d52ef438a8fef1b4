"""Evidence verification: recompute a registered source's own hash and record the result.

The use case is the access rule (investigators who are members of the case) in front
of ``hashes.verification``. Invariant: only a source registered in the case is verified,
named by its source id or by its path, and the evidence is only read; a mismatch is a
recorded, audited result for the shell to make loud, never an exception.
"""

from __future__ import annotations

from pathlib import Path

from genkend.errors import NotFound
from genkend.governance.access import INVESTIGATORS
from genkend.hashes import verification
from genkend.hashes.verification import Verification
from genkend.services.registry import service
from genkend.services.session import Session
from genkend.store import cases as case_store
from genkend.store import evidence as evidence_store


@service("evidence verify", INVESTIGATORS, case="case_id")
def verify(session: Session, case_id: str, source: str) -> Verification:
    """Verify the case's source ``source`` (its source id, or the path it was read from)."""
    with session.store.read() as conn:
        row = evidence_store.find(conn, case_id, source)
        if row is None:
            wanted = str(Path(source).resolve())
            matches = [r for r in case_store.source_rows(conn, case_id) if r.root == wanted]
            row = matches[0] if matches else None
    if row is None:
        raise NotFound(
            f"case {case_id} has no evidence source {source!r} "
            "(give the source id or the path it was ingested from)"
        )
    return verification.verify(
        session.workspace,
        session.actor,
        case_id,
        int(row.id),
        str(row.source_id),
        Path(row.root),
        "check",
    )
