"""Recording analysed files into a case's catalog, with their triage verdicts and hits.

``Recorder`` is the ingest's single writer: one batch per transaction, together with its
audit event (the caller's); reading is ``hashes.catalog``. Invariants: a content
appears once per case (unique SHA-256); a location appears once per evidence source, so
re-ingesting adds nothing and a resumed run never duplicates; a location that could not
be read is kept, with its error and no content.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from genkend.clock import to_text, utc_now_text
from genkend.faces.pipeline import FoundFace
from genkend.hashes.analysis import Analysis
from genkend.hashes.signals import PDQ
from genkend.hashes.triage import Hit, Triage, classify
from genkend.records import FileSystemEntry, MediaItem, PerceptualHash
from genkend.store import faces as face_store
from genkend.store import hashsets as known_store
from genkend.store import media as media_store
from genkend.store.media import ITEM_REFUSED

if TYPE_CHECKING:
    from genkend.store import Connection

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
        existing = media_store.existing_ids(conn, self.case_id, [d.sha256 for d in contents])
        exact = self.triage.exact_hits(conn, [d for d in contents if d.sha256 not in existing])
        for item, analysis in batch:
            mine = BatchCounts(locations=1)
            mine.errors += (item.error or analysis.read_error or analysis.error) is not None
            try:
                with conn.begin_nested():
                    media_id = self._content(conn, analysis, existing, exact, mine)
                    error = item.error or analysis.read_error
                    self._add_location(conn, item, media_id, error, analysis.notes)
            except ITEM_REFUSED as exc:
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
        except ITEM_REFUSED:
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
        origin, origin_notes = _origin_columns(item.origin)
        notes = item.notes + more_notes + origin_notes
        media_store.add_location(
            conn,
            source_pk=self.source_pk,
            location=item.location,
            media_id=media_id,
            size=item.size,
            mtime=to_text(item.mtime) if item.mtime else None,
            depth=item.depth,
            error=error,
            notes=json.dumps(list(notes)) if notes else None,
            created_at=utc_now_text(),
            **origin,
        )

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
        media_id = media_store.add(
            conn,
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
        if analysis.video_faces is not None:
            self._add_tracks(conn, media_id, analysis)
            counts.faces += len(analysis.faces)
        elif analysis.faces:
            self._add_faces(conn, media_id, analysis)
            counts.faces += len(analysis.faces)
        if hits:
            known_store.add_hits(conn, [_hit_row(media_id, h) for h in hits])
        if pdq:
            counts.similar_pairs += self._add_lookalikes(conn, media_id, pdq)
        return media_id

    def _add_lookalikes(self, conn: Connection, media_id: int, pdq: PerceptualHash) -> int:
        """Pairs with the closest earlier look-alikes only: a picture seen in thousands of
        copies would otherwise add a pair per copy (quadratic); groups stay connected."""
        pairs = sorted(self.triage.case_lookalikes(pdq), key=lambda p: (p[1], p[0]))
        pairs = pairs[:MAX_LOOKALIKE_PAIRS]
        if pairs:
            media_store.add_similar(
                conn,
                [
                    {
                        "media_id": media_id,
                        "other_id": other,
                        "method": PDQ.name,
                        "distance": distance,
                        "threshold": self.triage.pdq_max_distance,
                    }
                    for other, distance in pairs
                ],
            )
        return len(pairs)

    def _add_tracks(self, conn: Connection, media_id: int, analysis: Analysis) -> None:
        """A video's tracks, each with its kept faces and their timestamps."""
        video = analysis.video_faces
        assert video is not None
        for index, track in enumerate(video.tracks):
            kept = [(i, f) for i, f in enumerate(video.faces) if f.track == index]
            rows = [
                {
                    **self._face_row(media_id, analysis.face_backend, f.face),
                    "timestamp": f.timestamp,
                }
                for _, f in kept
            ]
            best = next(n for n, (i, _) in enumerate(kept) if i == track.best)
            track_row = {
                "case_id": self.case_id,
                "media_id": media_id,
                "start": track.start,
                "end": track.end,
                "faces_seen": track.faces_seen,
            }
            face_store.add_track(conn, track_row, rows, best)

    def _face_row(self, media_id: int, backend: str | None, f: FoundFace) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "media_id": media_id,
            "backend": backend,
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
            "created_at": utc_now_text(),
        }

    def _add_faces(self, conn: Connection, media_id: int, analysis: Analysis) -> None:
        now = utc_now_text()
        media_store.add_faces(
            conn,
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


def _origin_columns(origin: FileSystemEntry | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A location's file-system facts as the store keeps them (none for a plain file),
    and a note for each time that came without a time zone: left out, never guessed."""
    if origin is None:
        return {}, ()
    columns: dict[str, Any] = {
        "file_system": origin.file_system,
        "fs_path": origin.path,
        "partition": origin.partition,
        "partition_offset": origin.partition_offset,
        "address": origin.address,
        "deleted": origin.deleted,
        "reallocated": origin.reallocated,
    }
    notes: list[str] = []
    for name in ("modified", "accessed", "changed", "created"):
        moment: datetime | None = getattr(origin, name)
        if moment is not None and moment.tzinfo is None:
            notes.append(f"file-system {name} time has no time zone; left out")
            moment = None
        columns[f"fs_{name}"] = to_text(moment) if moment else None
    return columns, tuple(notes)


def _hit_row(media_id: int, hit: Hit) -> dict[str, Any]:
    return {
        "media_id": media_id,
        "entry_id": hit.entry.id,
        "method": hit.method,
        "distance": hit.distance,
        "threshold": hit.threshold,
    }
