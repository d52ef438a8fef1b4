"""Authorisations for gallery searches in a case: the list, a grant, a refusal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from genkend.services import authorisations
from genkend.web.api.models import (
    MAX_ID,
    AuthorisationOut,
    MarkedOut,
    NewAuthorisation,
    NewIdOut,
    Refusal,
)
from genkend.web.auth import Caller

router = APIRouter(tags=["authorisations"])

AuthId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id:case}/authorisations", response_model=list[AuthorisationOut])
def list_authorisations(session: Caller, case_id: str) -> list[dict[str, Any]]:
    """The case's authorisations with their status (auditors; supervisors and admins who
    are members)."""
    return authorisations.list_authorisations(session, case_id)


@router.post("/cases/{case_id:case}/authorisations", status_code=201, response_model=NewIdOut)
def grant(session: Caller, case_id: str, body: NewAuthorisation) -> dict[str, int]:
    """Record an authorisation granted for gallery searches (the case's supervisors);
    ``valid_until`` is a last day (YYYY-MM-DD) or an ISO time. Its id."""
    made = authorisations.grant(
        session, case_id, body.authority, body.reference, body.valid_until, body.scope
    )
    return {"id": made}


@router.post("/cases/{case_id:case}/authorisations/{auth_id:int}/refuse", response_model=MarkedOut)
def refuse(session: Caller, case_id: str, auth_id: AuthId, body: Refusal) -> dict[str, int]:
    """Record that the authorisation was refused: its searches stop and their candidates
    are marked for deletion; the number marked."""
    return {"marked": authorisations.refuse(session, auth_id, body.note, case_id=case_id)}
