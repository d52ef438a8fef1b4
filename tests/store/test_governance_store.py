"""The audit, cases, accounts and authorisations store contract, on SQLite and PostgreSQL.

The audit append takes an advisory lock on PostgreSQL (SQLite's write transaction holds
the database lock), and an authorisation's id comes back through ``RETURNING``; both
dialects must read back the same chain and rows.
"""

from genkend.store import Store
from genkend.store import accounts as stored_accounts
from genkend.store import audit as stored_audit
from genkend.store import authorisations as stored_authorisations
from genkend.store import cases as stored_cases

AT = "2026-01-02T03:04:05.000000Z"


def _event(seq: int, action: str, subject: str, actor: str = "a") -> dict[str, str | int]:
    return {
        "seq": seq,
        "at": AT,
        "actor": actor,
        "host": "h",
        "action": action,
        "subject": subject,
        "detail_sha256": "0" * 64,
        "prev_digest": "0" * 64,
        "digest": str(seq) * 64,
    }


def test_audit_head_rows_scope_and_erased_details(store: Store) -> None:
    with store.begin() as conn:
        assert stored_audit.locked_head(conn) is None
        stored_audit.insert_event(conn, _event(1, "case.create", "case:C1"), '{"x":1}')
        stored_audit.insert_event(conn, _event(2, "retention.erase", "audit", "b"), '{"y":2}')
        stored_audit.insert_event(conn, _event(3, "case.member.add", "case:C2", "b"), "{}")
        assert stored_audit.locked_head(conn) == (3, "3" * 64)
        stored_audit.delete_details(conn, [3])
    with store.read() as conn:
        assert stored_audit.count(conn) == 3
        assert [r.seq for r in stored_audit.rows(conn, since=1)] == [2, 3]
        assert [r.seq for r in stored_audit.rows(conn, action="case.*")] == [1, 3]
        scoped = stored_audit.rows(conn, actor="a", subjects=["case:C2"])
        assert [r.seq for r in scoped] == [1, 3]
        assert [r.detail for r in stored_audit.rows(conn)] == ['{"x":1}', '{"y":2}', None]
        assert list(stored_audit.details_of(conn, "retention.erase")) == ['{"y":2}']


def test_cases_members_accounts_and_authorisations(store: Store) -> None:
    with store.begin() as conn:
        stored_accounts.insert_account(conn, "ann", "investigator", None, AT, "test")
        stored_cases.insert_case(
            conn,
            {
                "id": "C1",
                "title": "t",
                "description": "",
                "status": "open",
                "created_at": AT,
                "created_by": "ann",
            },
        )
        stored_cases.insert_member(conn, "C1", "ann", AT, "ann")
        first = stored_authorisations.insert_authorisation(
            conn,
            {
                "case_id": "C1",
                "authority": "Court",
                "reference": "R",
                "scope": "gallery-search",
                "granted_at": AT,
                "valid_until": "2099-01-01T00:00:00.000000Z",
                "status": "granted",
                "note": "",
                "recorded_at": AT,
                "recorded_by": "sup",
            },
        )
        stored_authorisations.set_refused(conn, first, "no")
        assert stored_authorisations.mark_candidates_due(conn, first) == 0
    with store.read() as conn:
        assert stored_accounts.has_any(conn) and stored_accounts.names(conn) == ["ann"]
        assert stored_accounts.row(conn, "ann").enabled
        assert stored_cases.creator(conn, "C1") == "ann"
        assert [c["id"] for c in stored_cases.list_cases(conn, "ann")] == ["C1"]
        assert stored_cases.list_cases(conn, "bob") == []
        assert stored_cases.member_cases(conn, "ann") == ["C1"]
        assert stored_authorisations.case_of(conn, first) == "C1"
        assert stored_authorisations.case_of(conn, first + 1) is None
        assert stored_authorisations.row(conn, first).status == "refused"
        assert [r.id for r in stored_authorisations.newest_first(conn, "C1", "gallery-search")] == [
            first
        ]
