"""Governance through the CLI: the first account, roles, need-to-know, authorisations,
purpose on exports; every refusal a clear error and an audit event."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend

FAKE = FakeFaceBackend()


def _photo(path: Path, faces: list[tuple[str, int, int, int]]) -> Path:
    buf = io.BytesIO()
    Image.fromarray(FAKE.canvas(320, 240, faces, background=(200, 190, 180))).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def case(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    _photo(evidence / "a.png", [("alice", 40, 40, 100)])
    for name, role in (
        ("ana", "investigator"),
        ("eve", "investigator"),
        ("root.admin", "admin"),
        ("aud", "auditor"),
        ("sup", "supervisor"),
    ):
        assert cli("user", "add", name, "--role", role).code == 0
    assert cli("--user", "ana", "case", "create", "G1", "--title", "g").code == 0
    assert cli("--user", "ana", "case", "member", "add", "G1", "sup").code == 0
    assert cli("--user", "ana", "ingest", str(evidence), "--case", "G1", "--workers", "0").code == 0
    return "G1"


def _denials(cli: Any) -> list[dict[str, Any]]:
    return [e for e in cli("audit", "show", "--json").json() if e["action"] == "access.denied"]


def test_first_account_must_be_an_admin(cli: Any, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    result = cli("case", "list", home_dir=fresh, bootstrap=False)
    assert result.code == 1 and "no accounts yet" in result.err
    result = cli("user", "add", "x", "--role", "investigator", home_dir=fresh, bootstrap=False)
    assert result.code == 2 and "must have --role admin" in result.err
    assert cli("user", "add", "boss", "--role", "admin", home_dir=fresh, bootstrap=False).code == 0
    # from now on only an admin adds accounts, and commands need a known account
    result = cli("--user", "nobody", "case", "list", home_dir=fresh, bootstrap=False)
    assert result.code == 1 and "not an account" in result.err


def test_a_non_member_cannot_list_a_cases_media(cli: Any, case: str) -> None:
    result = cli("--user", "eve", "media", "list", "--case", case)
    assert result.code == 1 and "not a member of case G1" in result.err
    assert cli("--user", "eve", "faces", "list", "--case", case).code == 1
    denial = _denials(cli)[-1]
    assert denial["actor"] == "eve" and denial["subject"] == "case:G1"
    assert cli("--user", "sup", "case", "member", "add", case, "eve").code == 0
    assert cli("--user", "eve", "media", "list", "--case", case, "--json").json()


def test_admin_sees_no_case_content_unless_member(cli: Any, case: str) -> None:
    assert cli("--user", "root.admin", "media", "list", "--case", case).code == 1
    listed = cli("--user", "root.admin", "case", "list", "--json").json()
    assert [c["id"] for c in listed] == ["G1"]  # admins manage: they see that a case exists
    assert cli("--user", "eve", "case", "list", "--json").json() == []  # need-to-know


def test_roles_are_enforced_and_denials_audited(cli: Any, case: str) -> None:
    assert cli("--user", "ana", "user", "add", "z", "--role", "admin").code == 1
    assert (
        cli(
            "--user",
            "ana",
            "authorisation",
            "grant",
            "--case",
            case,
            "--authority",
            "a",
            "--reference",
            "r",
            "--valid-until",
            "2099-01-01",
        ).code
        == 1
    )
    assert cli("--user", "ana", "audit", "verify").code == 1  # investigators are not auditors
    assert cli("--user", "aud", "audit", "verify").code == 0
    assert {d["detail"]["action"] for d in _denials(cli)} >= {
        "user add",
        "authorisation grant",
        "audit verify",
    }


def test_disabled_account_cannot_act(cli: Any, case: str) -> None:
    assert cli("user", "disable", "ana").code == 0
    result = cli("--user", "ana", "media", "list", "--case", case)
    assert result.code == 1 and "disabled" in result.err


def test_gallery_search_runs_only_under_a_valid_authorisation(
    cli: Any, case: str, tmp_path: Path
) -> None:
    probe = _photo(tmp_path / "probe.png", [("alice", 60, 50, 110)])
    assert cli("gallery", "enroll", "--identity", "A", str(probe)).code == 0
    search = (
        "--user",
        "ana",
        "search",
        "face",
        "--image",
        str(probe),
        "--case",
        case,
        "--gallery",
        "--purpose",
        "identify",
        "--legal-basis",
        "art. 10",
    )
    refused = cli(*search)
    assert refused.code == 1 and "no valid authorisation" in refused.err
    # an expired one does not count
    assert (
        cli(
            "--user",
            "sup",
            "authorisation",
            "grant",
            "--case",
            case,
            "--authority",
            "Court",
            "--reference",
            "R-0",
            "--valid-until",
            "2030-01-01",
        ).code
        == 0
    )
    from genkend.store import Store

    store = Store(f"sqlite:///{tmp_path / 'workspace' / 'genkend.sqlite'}")
    with store.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE authorisations SET granted_at = '2020-01-01T00:00:00.000000Z',"
            " valid_until = '2020-02-01T00:00:00.000000Z'"
        )
    store.dispose()
    expired = cli(*search)
    assert expired.code == 1 and "expired" in expired.err
    assert (
        cli(
            "--user",
            "sup",
            "authorisation",
            "grant",
            "--case",
            case,
            "--authority",
            "Court",
            "--reference",
            "R-1",
            "--valid-until",
            "2099-12-31",
        ).code
        == 0
    )
    found = cli(*search, "--json").json()
    assert found["authorisation_id"] == 2 and found["candidates"]
    event = cli("audit", "show", "--action", "search.gallery", "--json").json()[-1]
    assert event["detail"]["authorisation_id"] == 2
    # the authority refuses: searches stop and what was found is marked for deletion
    refusal = cli("--user", "sup", "authorisation", "refuse", "2", "--note", "court said no")
    assert refusal.code == 0 and "1 candidate(s) marked" in refusal.out
    stopped = cli(*search)
    assert stopped.code == 1 and "refused" in stopped.err
    listed = cli("--user", "aud", "authorisation", "list", "--case", case, "--json").json()
    assert [a["status"] for a in listed] == ["expired", "refused"]
    refused_events = cli("audit", "show", "--action", "search.refused", "--json").json()
    assert len(refused_events) == 3 and all(e["detail"]["purpose"] for e in refused_events)


def test_exports_need_purpose_and_legal_basis(cli: Any, case: str, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    missing = cli("--user", "ana", "export", "vics", "--case", case, "-o", str(out))
    assert missing.code == 2 and not out.exists()
    blank = cli(
        "--user",
        "ana",
        "export",
        "vics",
        "--case",
        case,
        "-o",
        str(out),
        "--purpose",
        " ",
        "--legal-basis",
        "x",
    )
    assert blank.code == 2 and not out.exists()
    done = cli(
        "--user",
        "ana",
        "export",
        "vics",
        "--case",
        case,
        "-o",
        str(out),
        "--purpose",
        "exchange with partner agency",
        "--legal-basis",
        "LED art. 9",
    )
    assert done.code == 0 and out.exists()
    event = cli("audit", "show", "--action", "export.vics", "--json").json()[-1]
    assert event["detail"]["purpose"] == "exchange with partner agency"


def test_passwords_and_tokens(cli: Any, case: str, home: Path) -> None:
    from genkend.governance import access, authentication
    from genkend.records import Actor
    from genkend.store import Store

    store = Store(f"sqlite:///{home / 'genkend.sqlite'}")
    actor = Actor("tester", "h")
    with store.begin() as conn:
        access.set_password(conn, actor, "ana", "correct horse battery")
        token = authentication.issue_token(conn, actor, "ana", "scripts", 90)
    assert authentication.token_account(store, token) == "ana"
    assert authentication.token_account(store, token + "x") is None
    with store.read() as conn:
        assert access.verify_password(conn, "ana", "correct horse battery")
        assert not access.verify_password(conn, "ana", "wrong password!!")
        stored = conn.exec_driver_sql("SELECT password_hash FROM accounts WHERE name='ana'")
        assert stored.scalar().startswith("$argon2id$")
    store.dispose()
