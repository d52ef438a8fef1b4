"""The summary of one evidence source as recorded: what an examiner reads after an ingest.

Items by kind (``image``, ``video``, ``archive``, ``other``... as the analysis named the
content; ``unreadable`` where no content could be read), deleted items (files whose
name entry in their file system is unallocated), errors by kind (``hashes.error_kinds``),
bytes read (the size of the content read at each location, a copy counted at each of
its locations) and the source hash with what it covers (``evidence.root_hash``: the
image's media data, the file's bytes, or a folder's manifest of what was recorded).

Invariant: the summary counts the WHOLE source as the store holds it, every run
included: a resumed run's summary counts what earlier runs recorded too, so it is the
same whether the source was ingested in one run or in several. It is measured after the
last batch is committed; the source hash is computed outside any transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genkend.errors import EvidenceError
from genkend.evidence import root_hash
from genkend.hashes.error_kinds import kind_of
from genkend.store import Store
from genkend.store import media as media_store


@dataclass(frozen=True)
class SourceSummary:
    """One source's recorded items, counted (see the module docstring).

    ``sha256`` is None with ``hash_error`` saying why when the evidence could not be
    hashed (it vanished or could not be read at the end of the run).
    """

    items: int
    by_kind: dict[str, int]
    deleted: int
    errors: int
    errors_by_kind: dict[str, int]
    bytes_read: int
    sha256: str | None
    hash_scope: str | None
    hash_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(
    store: Store, source_pk: int, root: Path, known: root_hash.RootHash | None = None
) -> SourceSummary:
    """The summary of the source recorded under ``source_pk``, whose evidence is ``root``.

    ``known``: the evidence's hash when the caller has just computed it (the after-ingest
    verification of a disk image), so that the image is not read once more for it."""
    hashed: root_hash.RootHash | None = known
    problem: str | None = None
    if not root.is_dir() and known is None:
        try:
            hashed = root_hash.of_file(root)
        except EvidenceError as exc:
            problem = str(exc)
    with store.read() as conn:
        if root.is_dir():
            hashed = root_hash.manifest_digest(media_store.source_manifest(conn, source_pk))
        items, deleted, bytes_read = media_store.source_totals(conn, source_pk)
        by_kind = media_store.kinds_of_source(conn, source_pk)
        messages = media_store.source_error_counts(conn, source_pk)
    errors_by_kind: dict[str, int] = {}
    for message, count in messages:
        name = kind_of(message).value
        errors_by_kind[name] = errors_by_kind.get(name, 0) + count
    return SourceSummary(
        items=items,
        by_kind=dict(sorted(by_kind.items())),
        deleted=deleted,
        errors=sum(count for _, count in messages),
        errors_by_kind=dict(sorted(errors_by_kind.items())),
        bytes_read=bytes_read,
        sha256=hashed.sha256 if hashed else None,
        hash_scope=hashed.scope if hashed else None,
        hash_error=problem,
    )
