"""The catalog of a case's media: one row per distinct content, one per location.

Writing (``Recorder``) is done by the ingest's single writer, one batch per transaction
together with its audit event; reading (``list_media``, ``show_media``) serves the CLI
and exports. Invariants: a content appears once per case (unique SHA-256); a location
appears once per evidence source, so re-ingesting adds nothing and a resumed run never
duplicates; a location that could not be read is kept, with its error and no content.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import DataError, IntegrityError

from genkend.analysis import Analysis
from genkend.clock import from_text, to_text, utc_now_text
from genkend.errors import NotFound
from genkend.evidence import location
from genkend.exchange import VicsFile, VicsMedia
from genkend.records import MediaItem
from genkend.store.schema import (
    evidence_sources,
    faces,
    hash_hits,
    hash_set_entries,
    hash_sets,
    media,
    media_locations,
    similar_media,
)
from genkend.triage import Hit, Triage, classify

log = logging.getLogger(__name__)

# Near-duplicate pairs recorded per new picture, closest first.
MAX_LOOKALIKE_PAIRS = 10


@dataclass
class BatchCounts:
    locations: int = 0
    new_media: int = 0
    existing_media: int = 0
    errors: int = 0
    known: int = 0
    non_pertinent: int = 0
    near_known: int = 0
    similar_pairs: int = 0
    faces: int = 0
    # "location: why" of each item the store refused even as an error row
    unrecorded: list[str] = field(default_factory=list)

    def add(self, other: BatchCounts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


# What the store raises for one item's values (a duplicate, a value it cannot hold), as
# opposed to the store itself failing, which ends the run.
_ITEM_REFUSED = (IntegrityError, DataError)


class Recorder:
    """Writes analysed items of one evidence source into the catalog.

    Each item is written in a savepoint of the batch's transaction: an item the store
    refuses is recorded instead as a location with the store's error, and when even that
    is refused (its location is taken), it is counted in ``unrecorded``; the rest of the
    batch is written either way.
    """

    def __init__(self, case_id: str, source_pk: int, triage: Triage) -> None:
        self.case_id = case_id
        self.source_pk = source_pk
        self.triage = triage

    def write(self, conn: Connection, batch: Sequence[tuple[MediaItem, Analysis]]) -> BatchCounts:
        counts = BatchCounts()
        contents = [a.digests for _, a in batch if a.digests is not None]
        existing = self._existing_ids(conn, [d.sha256 for d in contents])
        exact = self.triage.exact_hits(conn, [d for d in contents if d.sha256 not in existing])
        for item, analysis in batch:
            mine = BatchCounts(locations=1)
            mine.errors += (item.error or analysis.read_error or analysis.error) is not None
            try:
                with conn.begin_nested():
                    media_id = self._content(conn, analysis, existing, exact, mine)
                    error = item.error or analysis.read_error
                    self._add_location(conn, item, media_id, error, analysis.notes)
            except _ITEM_REFUSED as exc:
                mine = self._refused(conn, item, exc)
            else:
                self._remember(analysis, media_id, existing)
            counts.add(mine)
        return counts

    def _content(
        self,
        conn: Connection,
        analysis: Analysis,
        existing: dict[str, int],
        exact: dict[str, list[Hit]],
        counts: BatchCounts,
    ) -> int | None:
        if analysis.digests is None:
            return None
        sha = analysis.digests.sha256
        if sha in existing:
            counts.existing_media += 1
            return existing[sha]
        return self._add_media(conn, analysis, exact.get(sha, []), counts)

    def _remember(self, analysis: Analysis, media_id: int | None, existing: dict[str, int]) -> None:
        """After an item's savepoint is kept: its content is known to the rest of the run."""
        if analysis.digests is None or media_id is None or analysis.digests.sha256 in existing:
            return
        existing[analysis.digests.sha256] = media_id
        if analysis.pdq is not None and self.triage.usable(analysis.pdq):
            self.triage.add_to_case(media_id, analysis.pdq)

    def _refused(self, conn: Connection, item: MediaItem, exc: Exception) -> BatchCounts:
        reason = str(getattr(exc, "orig", None) or exc)
        counts = BatchCounts(locations=1, errors=1)
        try:
            with conn.begin_nested():
                self._add_location(conn, item, None, f"could not be recorded: {reason}", ())
        except _ITEM_REFUSED:
            log.warning("%s could not be recorded: %s", item.location, reason)
            return BatchCounts(unrecorded=[f"{item.location}: {reason}"])
        return counts

    def _add_location(
        self,
        conn: Connection,
        item: MediaItem,
        media_id: int | None,
        error: str | None,
        more_notes: tuple[str, ...],
    ) -> None:
        notes = item.notes + more_notes
        conn.execute(
            insert(media_locations).values(
                source_pk=self.source_pk,
                location=item.location,
                media_id=media_id,
                size=item.size,
                mtime=to_text(item.mtime) if item.mtime else None,
                depth=item.depth,
                error=error,
                notes=json.dumps(list(notes)) if notes else None,
                created_at=utc_now_text(),
            )
        )

    def _existing_ids(self, conn: Connection, shas: list[str]) -> dict[str, int]:
        if not shas:
            return {}
        rows = conn.execute(
            select(media.c.sha256, media.c.id).where(
                media.c.case_id == self.case_id, media.c.sha256.in_(shas)
            )
        )
        return {r.sha256: r.id for r in rows}

    def _add_media(
        self, conn: Connection, analysis: Analysis, exact: list[Hit], counts: BatchCounts
    ) -> int:
        assert analysis.digests is not None
        pdq = analysis.pdq if self.triage.usable(analysis.pdq) else None
        hits = exact + (self.triage.known_lookalikes(pdq) if pdq else [])
        verdict = classify(hits)
        counts.new_media += 1
        counts.known += verdict.status == "known"
        counts.non_pertinent += verdict.status == "non_pertinent"
        counts.near_known += verdict.status == "near_known"
        media_id = int(
            conn.execute(
                insert(media)
                .values(
                    case_id=self.case_id,
                    sha256=analysis.digests.sha256,
                    sha1=analysis.digests.sha1,
                    md5=analysis.digests.md5,
                    size=analysis.digests.size,
                    mime=analysis.mime,
                    kind=analysis.kind,
                    width=analysis.width,
                    height=analysis.height,
                    pdq=analysis.pdq.hex if analysis.pdq else None,
                    pdq_quality=analysis.pdq.quality if analysis.pdq else None,
                    exif=json.dumps(asdict(analysis.exif)) if analysis.exif else None,
                    status=verdict.status,
                    category=verdict.category,
                    series=verdict.series,
                    error=analysis.error,
                    created_at=utc_now_text(),
                )
                .returning(media.c.id)
            ).scalar_one()
        )
        if analysis.faces:
            self._add_faces(conn, media_id, analysis)
            counts.faces += len(analysis.faces)
        if hits:
            conn.execute(
                insert(hash_hits),
                [
                    {
                        "media_id": media_id,
                        "entry_id": h.entry.id,
                        "method": h.method,
                        "distance": h.distance,
                        "threshold": h.threshold,
                    }
                    for h in hits
                ],
            )
        if pdq:
            # the closest earlier look-alikes only: a picture seen in thousands of copies
            # would otherwise add a pair per copy (quadratic); groups stay connected
            pairs = sorted(self.triage.case_lookalikes(pdq), key=lambda p: (p[1], p[0]))
            pairs = pairs[:MAX_LOOKALIKE_PAIRS]
            if pairs:
                conn.execute(
                    insert(similar_media),
                    [
                        {
                            "media_id": media_id,
                            "other_id": other,
                            "method": "pdq",
                            "distance": distance,
                            "threshold": self.triage.pdq_max_distance,
                        }
                        for other, distance in pairs
                    ],
                )
            counts.similar_pairs += len(pairs)
        return media_id

    def _add_faces(self, conn: Connection, media_id: int, analysis: Analysis) -> None:
        now = utc_now_text()
        conn.execute(
            insert(faces),
            [
                {
                    "case_id": self.case_id,
                    "media_id": media_id,
                    "backend": analysis.face_backend,
                    "x1": f.box[0],
                    "y1": f.box[1],
                    "x2": f.box[2],
                    "y2": f.box[3],
                    "landmarks": f.landmarks_json(),
                    "score": f.score,
                    "quality": f.quality,
                    "quality_detail": json.dumps(f.quality_detail, sort_keys=True),
                    "embedding": f.embedding,
                    "thumbnail": f.thumbnail,
                    "created_at": now,
                }
                for f in analysis.faces
            ],
        )


def done_locations(conn: Connection, source_pk: int) -> set[str]:
    rows = conn.execute(
        select(media_locations.c.location).where(media_locations.c.source_pk == source_pk)
    )
    return {r.location for r in rows}


# ---------------------------------------------------------------- reading


def list_media(conn: Connection, case_id: str) -> Iterator[dict[str, Any]]:
    """Every content of the case (by id), then every location that had no content."""
    ids = (
        conn.execute(select(media.c.id).where(media.c.case_id == case_id).order_by(media.c.id))
        .scalars()
        .all()
    )
    for chunk_start in range(0, len(ids), 500):
        yield from _describe(conn, ids[chunk_start : chunk_start + 500])
    unread = conn.execute(
        select(evidence_sources.c.source_id, media_locations)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(evidence_sources.c.case_id == case_id, media_locations.c.media_id.is_(None))
        .order_by(media_locations.c.id)
    )
    for row in unread:
        yield {"id": None, "kind": "unreadable", "error": row.error, "locations": [_location(row)]}


def show_media(conn: Connection, media_id: int) -> dict[str, Any]:
    found = _describe(conn, [media_id])
    if not found:
        raise NotFound(f"unknown media id {media_id}")
    return found[0]


def case_of(conn: Connection, media_id: int) -> str:
    row = conn.execute(select(media.c.case_id).where(media.c.id == media_id)).first()
    if row is None:
        raise NotFound(f"unknown media id {media_id}")
    return str(row.case_id)


def count_media(conn: Connection, case_id: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(media).where(media.c.case_id == case_id)
        ).scalar_one()
    )


def _describe(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows = conn.execute(select(media).where(media.c.id.in_(ids)).order_by(media.c.id)).all()
    locations = _grouped(
        conn,
        select(evidence_sources.c.source_id, media_locations)
        .join(evidence_sources, evidence_sources.c.id == media_locations.c.source_pk)
        .where(media_locations.c.media_id.in_(ids))
        .order_by(media_locations.c.id),
        _location,
    )
    hits = _grouped(
        conn,
        select(
            hash_hits,
            hash_sets.c.name.label("hash_set"),
            hash_set_entries.c.category,
            hash_set_entries.c.series,
            hash_set_entries.c.external_id,
        )
        .join(hash_set_entries, hash_set_entries.c.id == hash_hits.c.entry_id)
        .join(hash_sets, hash_sets.c.id == hash_set_entries.c.hash_set_id)
        .where(hash_hits.c.media_id.in_(ids))
        .order_by(hash_hits.c.id),
        _hit,
    )
    similar: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(
        select(similar_media).where(
            similar_media.c.media_id.in_(ids) | similar_media.c.other_id.in_(ids)
        )
    ):
        for mine, other in ((row.media_id, row.other_id), (row.other_id, row.media_id)):
            similar.setdefault(mine, []).append(
                {
                    "media_id": other,
                    "method": row.method,
                    "distance": row.distance,
                    "threshold": row.threshold,
                }
            )
    return [
        {
            "id": r.id,
            "sha256": r.sha256,
            "sha1": r.sha1,
            "md5": r.md5,
            "size": r.size,
            "mime": r.mime,
            "kind": r.kind,
            "width": r.width,
            "height": r.height,
            "pdq": r.pdq,
            "pdq_quality": r.pdq_quality,
            "exif": json.loads(r.exif) if r.exif else None,
            "status": r.status,
            "category": r.category,
            "series": r.series,
            "error": r.error,
            "locations": locations.get(r.id, []),
            "hash_hits": hits.get(r.id, []),
            "near_duplicates": sorted(
                similar.get(r.id, []), key=lambda s: (s["distance"], s["media_id"])
            ),
        }
        for r in rows
    ]


def _grouped(conn: Connection, query: Any, shape: Any) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(query):
        grouped.setdefault(row.media_id, []).append(shape(row))
    return grouped


def _location(row: Any) -> dict[str, Any]:
    return {
        "source_id": row.source_id,
        "location": row.location,
        "size": row.size,
        "mtime": row.mtime,
        "error": row.error,
        "notes": json.loads(row.notes) if row.notes else [],
    }


def _hit(row: Any) -> dict[str, Any]:
    return {
        "hash_set": row.hash_set,
        "method": row.method,
        "distance": row.distance,
        "threshold": row.threshold,
        "category": row.category,
        "series": row.series,
        "external_id": row.external_id,
    }


def vics_media(conn: Connection, case_id: str) -> Iterator[VicsMedia]:
    """The case's media as VICS records, for ``exchange.write_vics`` (unreadable omitted)."""
    for described in list_media(conn, case_id):
        if described["id"] is None:
            continue
        yield VicsMedia(
            media_id=described["id"],
            md5=described["md5"],
            sha1=described["sha1"],
            sha256=described["sha256"],
            size=described["size"],
            category=described["category"],
            series=described["series"],
            pdq=bytes.fromhex(described["pdq"]) if described["pdq"] else None,
            mime_type=described["mime"],
            files=tuple(
                VicsFile(
                    file_name=_readable(location.base_name(loc["location"])),
                    file_path=loc["location"],
                    written=from_text(loc["mtime"]) if loc["mtime"] else None,
                    source_id=loc["source_id"],
                )
                for loc in described["locations"]
            ),
        )


def _readable(name: str) -> str:
    # JSON text cannot hold undecodable bytes; the exact name stays in the file path.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
