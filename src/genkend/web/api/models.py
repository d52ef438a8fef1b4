"""The shapes the API documents: the error body every route may answer with, the
request bodies (field names are the services' parameter names, every field bounded),
and the response models of the shapes that are fixed.

Response models allow extra fields: they document and check what a script may rely on,
and never drop a field the CLI's ``--json`` prints for the same use case.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1  # the largest id a database row has: beyond it nothing is found
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=10_000)]
Line = Annotated[str, Field(max_length=500)]
Note = Annotated[str, Field(min_length=1, max_length=10_000)]
# The domain's closed lists (tests/web/test_api_routes.py checks they agree with it).
Role = Literal["investigator", "reviewer", "supervisor", "auditor", "admin"]
Outcome = Literal["potential_candidate", "no_candidate", "inconclusive"]
Resolution = Literal["identified", "rejected", "inconclusive"]
IdentityStatus = Literal["identified", "unidentified_series"]
MediaStatus = Literal["new", "known", "non_pertinent", "near_known"]
GridFilter = Literal[
    "all", "new", "known", "categorised", "near_known", "non_pertinent", "has_faces", "errors"
]


class ErrorDetail(BaseModel):
    kind: str
    message: str
    field: str | None = None
    problems: list[dict[str, str]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "No valid session or API token"),
        (403, "Refused: role, case membership, authorisation or CSRF token"),
        (404, "No such case, media item, face, ..."),
        (409, "Conflict: exists already, or the evidence changed"),
        (413, "Request body too large"),
        (422, "A field has a bad value"),
        (429, "Too many sign-in attempts"),
    )
}


class Body(BaseModel):
    """A request body: unknown fields are refused (a typo is not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Shape(BaseModel):
    """A response: the fields documented here, and any others the service gives."""

    model_config = ConfigDict(extra="allow")


# Request bodies -------------------------------------------------------------------


class NewCase(Body):
    new_case_id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Annotated[str, Field(min_length=1, max_length=500)]
    description: Text = ""


class NewMember(Body):
    account: Name


class Merge(Body):
    keep: Id
    other: Id


class Split(Body):
    face_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]


class Label(Body):
    label: Name


class Promotion(Body):
    label: Name
    status: IdentityStatus = "unidentified_series"


class Decision(Body):
    """A reviewer's decision, with the reasons."""

    outcome: Outcome
    note: Note


class Settlement(Body):
    """A supervisor's resolution of a dispute, with the reasons."""

    outcome: Resolution
    note: Note


class NewAuthorisation(Body):
    authority: Line
    reference: Line
    valid_until: Annotated[str, Field(max_length=40)]
    scope: Annotated[str, Field(max_length=100)] = "gallery-search"


class Refusal(Body):
    note: Note


class NewAccount(Body):
    name: Name
    roles: Annotated[list[Role], Field(min_length=1, max_length=5)]


# Responses ------------------------------------------------------------------------


class CaseOut(Shape):
    id: str
    title: str
    description: str
    status: str
    created_at: str
    created_by: str


class SourceOut(Shape):
    """An evidence source; ``sha256`` (covering ``hash_scope``: ``image``, ``file`` or
    ``manifest``) and ``summary`` from its last complete run."""

    source_id: str
    root: str
    kind: str
    status: str
    error: str | None
    advice: str | None
    created_at: str
    finished_at: str | None
    sha256: str | None = None
    hash_scope: str | None = None
    summary: dict[str, Any] | None = None


class CaseViewOut(CaseOut):
    sources: list[SourceOut]


class MemberOut(Shape):
    case_id: str
    account: str
    added_at: str
    added_by: str


class GridItemOut(Shape):
    id: int
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    status: MediaStatus
    category: int | None
    faces: int
    file_name: str | None
    error: str | None


class LocationOut(Shape):
    """Where a content was found. For a file read out of a disk or phone image, where it
    lies in that file system (``fs_*`` times are its MACB times, UTC); an archive member
    in such a file has its archive's facts, ``fs_container`` naming the archive."""

    source_id: str
    location: str
    size: int | None
    mtime: str | None
    error: str | None
    notes: list[str]
    file_system: str | None
    fs_path: str | None
    partition: str | None
    partition_offset: int | None
    address: int | None
    deleted: bool
    reallocated: bool
    fs_modified: str | None
    fs_accessed: str | None
    fs_changed: str | None
    fs_created: str | None
    fs_container: str | None


class MediaOut(Shape):
    """One file content of a case: its hashes, every location, hits and look-alikes."""

    id: int
    sha256: str
    md5: str
    size: int
    mime: str
    kind: str
    status: MediaStatus
    error: str | None
    locations: list[LocationOut]
    hash_hits: list[dict[str, Any]]
    near_duplicates: list[dict[str, Any]]


class MediaPageOut(Shape):
    items: list[GridItemOut]
    next_after: int | None


class ClusterOut(Shape):
    id: int
    label: str | None
    confirmed: bool
    size: int
    face_ids: list[int]


class NewClusterOut(Shape):
    cluster_id: int


class PromotedOut(Shape):
    faces: int


class IdentityOut(Shape):
    id: int
    label: str
    status: str
    faces: int


class CandidateOut(Shape):
    id: int
    case_id: str
    identity_id: int
    identity_label: str
    distance: float
    max_distance: float
    fmr: float | None
    status: str
    deletion_due: bool


class DecisionOut(Shape):
    reviewer: str
    role: str
    outcome: str
    note: str
    decided_at: str


class CandidateViewOut(CandidateOut):
    """A candidate as the caller may see it: ``decisions`` only when not ``blind``."""

    blind: bool
    decisions: list[DecisionOut] | None = None


class SearchOut(Shape):
    kind: str
    reference: str
    reference_version: str
    backend: str
    probe_sha256: str
    cases: list[str]
    candidates: list[dict[str, Any]]
    audit_seq: int | None


class AuthorisationOut(Shape):
    id: int
    case_id: str
    authority: str
    reference: str
    scope: str
    valid_until: str
    status: str


class NewIdOut(Shape):
    id: int


class MarkedOut(Shape):
    marked: int


class AccountOut(Shape):
    name: str
    roles: list[str]
    enabled: bool
    created_at: str
    created_by: str


class AuditEventOut(Shape):
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


class ChainCheckOut(Shape):
    ok: bool
    count: int
    head_seq: int | None
    head_digest: str | None
    first_bad_seq: int | None
    reason: str | None
    searches_checked: int
    searches_erased: int
    search_problems: list[dict[str, Any]]


class UsageOut(Shape):
    period: dict[str, str]
    generated_at: str
    searches: list[dict[str, Any]]
    review_outcomes: dict[str, int]


class IngestRunOut(Shape):
    source_id: str
    kind: str
    status: str
    started: str
    finished: str | None
    items: int
    errors: int
    error: str | None


class DashboardOut(Shape):
    case_id: str
    media: int
    new: int
    known: int
    categorised: int
    near_known: int
    non_pertinent: int
    errors: int
    unreadable_locations: int
    media_errors: int
    with_faces: int
    faces: int
    clusters: int
    runs: list[IngestRunOut]


class ExposureOut(Shape):
    account: str
    day: str
    reveals: int
    first_reveal: str | None
    last_reveal: str | None
    last_break: str | None
    since_break: int
    break_after: int
    break_due: bool
