"""Triage: separating known material from new, for each file as it is ingested.

Three questions, each answered with the method, the distance and the threshold in
force, recorded as a hit (DESIGN rule 5: candidates, never verdicts):

1. exact: is the file's MD5, SHA-1 or SHA-256 in an imported hash set?
2. known look-alike: is its PDQ hash within ``pdq_max_distance`` bits of a hash-set PDQ?
3. case look-alike: is it within that distance of another picture of the same case?

The outcome for a file (``Verdict``) follows one rule, written down in ``classify``:
exact hits decide the status and the category; PDQ look-alikes only flag the file for
a person to look at. The PDQ indexes are derived data, rebuilt from the store when a
``Triage`` is made. Hashes below ``pdq_min_quality`` are never matched (too flat to mean
anything).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from genkend.hashes.signals import EXACT_METHODS, PDQ
from genkend.records import Digests, PerceptualHash
from genkend.store import hashsets as known_store
from genkend.store import media as media_store

if TYPE_CHECKING:
    from genkend.store import Connection


@dataclass(frozen=True)
class KnownEntry:
    id: int
    hash_set_id: int
    md5: str | None
    sha1: str | None
    sha256: str | None
    category: int | None
    series: str | None
    non_pertinent: bool


@dataclass(frozen=True)
class Hit:
    entry: KnownEntry
    method: str
    distance: int
    threshold: int


@dataclass(frozen=True)
class Verdict:
    """``status``: known (categorised), non_pertinent, near_known (PDQ look-alike), new."""

    status: str
    category: int | None
    series: str | None


def classify(hits: Sequence[Hit]) -> Verdict:
    """Exact hits decide; the most severe pertinent category wins (1 before 2 ...).

    Category 0 and NSRL-style entries mark a file non-pertinent only when no exact hit
    says otherwise. A PDQ look-alike of known material sets no category: it is a lead
    for a reviewer, not a verdict.
    """
    exact = [h.entry for h in hits if h.method in EXACT_METHODS]
    pertinent = [e for e in exact if not e.non_pertinent and e.category not in (None, 0)]
    if pertinent:
        chosen = min(pertinent, key=lambda e: (e.category or 99, e.id))
        return Verdict("known", chosen.category, chosen.series)
    flagged = [e for e in exact if not e.non_pertinent]
    if flagged:
        chosen = min(flagged, key=lambda e: e.id)
        return Verdict("known", chosen.category, chosen.series)
    if exact:
        return Verdict("non_pertinent", 0, None)
    if hits:
        return Verdict("near_known", None, None)
    return Verdict("new", None, None)


def pdq_array(value: bytes | str) -> np.ndarray:
    raw = bytes.fromhex(value) if isinstance(value, str) else value
    return np.frombuffer(raw, dtype=np.uint8).reshape(1, -1)


class Triage:
    """The matching state for one ingest run into one case."""

    def __init__(
        self, conn: Connection, case_id: str, pdq_max_distance: int, pdq_min_quality: int
    ) -> None:
        self.pdq_max_distance = pdq_max_distance
        self.pdq_min_quality = pdq_min_quality
        self._known_pdq = PDQ.new_index()
        self._case_pdq = PDQ.new_index()
        self._entries: dict[int, KnownEntry] = {}
        self._load_known(conn)
        self._load_case(conn, case_id)

    def _load_known(self, conn: Connection) -> None:
        ids, vectors = [], []
        for row in known_store.entries_with_pdq(conn):
            self._entries[row.id] = _entry(row)
            ids.append(row.id)
            vectors.append(pdq_array(row.pdq)[0])
        if ids:
            self._known_pdq.add(np.asarray(ids, dtype=np.int64), np.stack(vectors))

    def _load_case(self, conn: Connection, case_id: str) -> None:
        rows = media_store.case_pdqs(conn, case_id, self.pdq_min_quality)
        if rows:
            self._case_pdq.add(
                np.asarray([r.id for r in rows], dtype=np.int64),
                np.concatenate([pdq_array(r.pdq) for r in rows]),
            )

    def usable(self, pdq: PerceptualHash | None) -> bool:
        return pdq is not None and pdq.quality >= self.pdq_min_quality

    def exact_hits(self, conn: Connection, digests: Iterable[Digests]) -> dict[str, list[Hit]]:
        """Exact hits for a batch of files, keyed by SHA-256."""
        batch = list(digests)
        if not batch:
            return {}
        wanted = {m: {getattr(d, m): d.sha256 for d in batch} for m in EXACT_METHODS}
        rows = known_store.entries_matching(conn, {m: list(wanted[m]) for m in EXACT_METHODS})
        found: dict[str, list[Hit]] = defaultdict(list)
        for row in rows:
            entry = _entry(row)
            # one hit per entry and file, by the strongest digest that matched
            for method in EXACT_METHODS:
                value = getattr(entry, method)
                if value is not None and value in wanted[method]:
                    found[wanted[method][value]].append(Hit(entry, method, 0, 0))
                    break
        return found

    def known_lookalikes(self, pdq: PerceptualHash) -> list[Hit]:
        neighbours = self._known_pdq.search_radius(pdq_array(pdq.value)[0], self.pdq_max_distance)
        return [
            Hit(self._entries[n.id], PDQ.name, int(n.distance), self.pdq_max_distance)
            for n in neighbours
        ]

    def case_lookalikes(self, pdq: PerceptualHash) -> list[tuple[int, int]]:
        """(media id, distance) of earlier pictures of the case within the threshold."""
        found = self._case_pdq.search_radius(pdq_array(pdq.value)[0], self.pdq_max_distance)
        return [(n.id, int(n.distance)) for n in found]

    def add_to_case(self, media_id: int, pdq: PerceptualHash) -> None:
        self._case_pdq.add(np.asarray([media_id], dtype=np.int64), pdq_array(pdq.value))


def _entry(row: object) -> KnownEntry:
    return KnownEntry(*(getattr(row, name) for name in known_store.ENTRY_FIELDS))
