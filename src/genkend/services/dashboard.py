"""The case dashboard: the case's figures by triage state and its ingest runs, read
while an ingest may be writing (each figure one grouped query).

Invariant: reading the dashboard is consultation of case content (members only) and
writes nothing.
"""

from __future__ import annotations

from genkend.governance import cases
from genkend.governance.access import CONTENT_ROLES
from genkend.hashes import grid as grid_view
from genkend.services.registry import service
from genkend.services.session import Session


@service("case dashboard", CONTENT_ROLES, case="case_id")
def dashboard(session: Session, case_id: str) -> grid_view.Dashboard:
    """Counts by triage state, faces and clusters, and every ingest run of the case."""
    with session.store.read() as conn:
        cases.get(conn, case_id)
        return grid_view.dashboard(conn, case_id)
