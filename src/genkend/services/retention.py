"""Retention and erasure: erase what the retention periods make due, and erase a case.

``run`` is for admins. Erasing a case is for admins and supervisors who are members of
it; an erased case has no members left, so erasing it again passes the gate and is
refused as a usage error by ``governance.retention.erase_case``.
"""

from __future__ import annotations

from genkend.errors import UsageError
from genkend.governance import cases, retention
from genkend.governance.access import ADMINS, SUPERVISORS
from genkend.services.registry import CaseOf, service
from genkend.services.session import Session


@service("retention run", ADMINS)
def run(
    session: Session, dry_run: bool = False, force_compact: bool = False
) -> retention.RetentionReport:
    """Erase (or with ``dry_run`` list) what is due, then compact the database files."""
    return retention.run(
        session.workspace, session.actor, dry_run=dry_run, force_compact=force_compact
    )


def _live_case(session: Session, case_id: str) -> str | None:
    """The case, unless it is erased already (then no membership is left to check)."""
    with session.store.read() as conn:
        erased = cases.get(conn, case_id, allow_erased=True).status == retention.ERASED_STATUS
    return None if erased else case_id


@service("retention erase-case", ADMINS | SUPERVISORS, case=CaseOf("case_id", _live_case))
def erase_case(
    session: Session, case_id: str, reason: str, confirmed: bool = False
) -> retention.CaseErasure:
    """Erase all content of a case; its id, authorisations and audit chain stay."""
    if not confirmed:
        raise UsageError(f"erasing case {case_id} cannot be undone; repeat with --yes")
    return retention.erase_case(session.workspace, session.actor, case_id, reason)
