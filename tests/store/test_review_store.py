"""The candidates, reviews and calibrations store contract, on SQLite and PostgreSQL.

Candidate rows are locked ``FOR UPDATE`` on PostgreSQL (a no-op on SQLite, whose write
transaction locks the database), and ``deletion_due`` is a boolean compared the way each
dialect spells it; both must read back the same rows.
"""

import pytest
from sqlalchemy import insert

from genkend.errors import NotFound
from genkend.governance import audit
from genkend.records import Actor
from genkend.review.candidates import Candidate, Decision, Proposal
from genkend.store import Store
from genkend.store import calibrations as stored_calibrations
from genkend.store import candidates as stored_candidates
from genkend.store import reviews as stored_reviews
from genkend.store.schema import cases, gallery_identities

SEARCHER, REVIEWER = Actor("searcher", "host"), "rev1"
AT = "2026-01-02T03:04:05.000000Z"


def _proposals(store: Store) -> list[int]:
    """Two candidates of case C, proposed by one search of ``searcher``."""
    with store.begin() as conn:
        conn.execute(insert(cases).values(id="C", title="t", created_at=AT, created_by="x"))
        for label in ("Ann", "Bob"):
            conn.execute(
                insert(gallery_identities).values(
                    label=label,
                    status="missing",
                    provenance="p",
                    notes="",
                    created_at=AT,
                    created_by="x",
                )
            )
        event = audit.record(conn, SEARCHER, "search.gallery", "case:C", {})
        rows = [
            Proposal(
                "C", identity, "probe.png", None, distance, 0.6, None, "fake", event.seq, None
            ).as_row(AT)
            for identity, distance in ((2, 0.3), (1, 0.2))
        ]
        return stored_candidates.insert_all(conn, rows)


def test_candidates_read_back_as_proposed(store: Store) -> None:
    first, second = _proposals(store)
    with store.begin() as conn:
        locked = Candidate.from_row(stored_candidates.get(conn, first, lock=True))
    assert (locked.identity_label, locked.searched_by, locked.status) == ("Bob", "searcher", "open")
    assert locked.deletion_due is False
    with store.read() as conn:
        awaiting = [
            Candidate.from_row(r).id for r in stored_candidates.awaiting(conn, REVIEWER, "C")
        ]
        assert awaiting == [second, first]  # best first
        assert stored_candidates.awaiting(conn, SEARCHER.name, "C") == []  # not the searcher's
        with pytest.raises(NotFound, match="unknown candidate 99"):
            stored_candidates.get(conn, 99)


def test_a_decided_candidate_leaves_the_reviewers_list(store: Store) -> None:
    first, second = _proposals(store)
    decision = Decision(first, REVIEWER, "reviewer", "no_candidate", "n", AT)
    with store.begin() as conn:
        stored_reviews.insert_one(conn, decision.as_dict())
        stored_candidates.set_status(conn, second, "disputed")
    with store.read() as conn:
        assert [Decision.from_row(r) for r in stored_reviews.of_candidate(conn, first)] == [
            decision
        ]
        assert stored_candidates.awaiting(conn, REVIEWER, "C") == []
        assert [r["id"] for r in stored_candidates.disputed(conn, "C")] == [second]


def test_the_newest_calibration_is_in_force(store: Store) -> None:
    with store.begin() as conn:
        assert stored_calibrations.latest(conn, "fake") is None
        older = stored_calibrations.insert_one(conn, "fake", '{"v": 1}', AT, "sup")
        newer = stored_calibrations.insert_one(conn, "fake", '{"v": 2}', AT, "sup")
        stored_calibrations.insert_one(conn, "other", '{"v": 3}', AT, "sup")
    with store.read() as conn:
        assert stored_calibrations.latest(conn, "fake") == (newer, '{"v": 2}')
    assert older < newer
