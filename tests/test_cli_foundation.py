"""The foundation through the command line: cases, audit, settings, errors."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def test_case_create_list_show_and_audit(cli: Any, home: Path) -> None:
    assert cli("case", "create", "C1", "--title", "Operation Test").code == 0
    listed = cli("case", "list", "--json")
    assert listed.code == 0
    (case,) = listed.json()
    assert case["id"] == "C1" and case["title"] == "Operation Test"
    assert case["created_at"].endswith("Z")
    shown = cli("case", "show", "C1", "--json").json()
    assert shown.pop("sources") == [] and shown == case
    verified = cli("audit", "verify")
    assert verified.code == 0
    events = cli("audit", "show", "--json").json()  # recorded after what it shows
    assert [(e["seq"], e["action"], e["subject"]) for e in events] == [
        (1, "account.create", "account:tester"),
        (2, "case.create", "case:C1"),
    ]
    assert events[1]["actor"] == "tester" and events[1]["host"]
    assert f"head 2:{events[1]['digest']}" in verified.out


def test_actor_from_user_option(cli: Any) -> None:
    assert cli("user", "add", "inv.jensen", "--role", "investigator").code == 0
    assert cli("--user", "inv.jensen", "case", "create", "C9", "--title", "t").code == 0
    events = cli("audit", "show", "--json").json()
    assert (events[-1]["actor"], events[-1]["action"]) == ("inv.jensen", "case.create")


def test_unknown_case_is_one_line_exit_1(cli: Any) -> None:
    result = cli("case", "show", "NOPE")
    assert result.code == 1
    assert result.err == "genkend: error: unknown case 'NOPE'\n"


def test_duplicate_case_is_refused(cli: Any) -> None:
    assert cli("case", "create", "C1", "--title", "t").code == 0
    result = cli("case", "create", "C1", "--title", "t")
    assert result.code == 1 and "already exists" in result.err
    assert [e["action"] for e in cli("audit", "show", "--json").json()].count("case.create") == 1


def test_usage_error_exits_2(cli: Any) -> None:
    assert cli("case", "create", "C1").code == 2  # --title missing
    assert cli("case", "create", "../x", "--title", "t").code == 2


def test_a_case_id_with_a_trailing_newline_is_refused(cli: Any) -> None:
    # "$" in a pattern matches before a final newline: the id must match in full.
    result = cli("case", "create", "C1\n", "--title", "t")
    assert result.code == 2 and "invalid case id" in result.err
    assert cli("case", "list", "--json").json() == []


def test_unwritable_workspace(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = cli("case", "list", home_dir=blocker / "ws")
    assert result.code == 1
    assert result.err.startswith("genkend: error: workspace ") and "cannot be used" in result.err
    assert "Traceback" not in result.err


def test_database_that_does_not_answer(cli: Any) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("--db", f"postgresql://u:pw@127.0.0.1:{port}/x", "case", "list")
    assert result.code == 1
    assert result.err.startswith("genkend: error: cannot reach database postgresql+psycopg://u:")
    assert "pw@" not in result.err and len(result.err.splitlines()) == 1


def test_workspace_from_newer_schema(cli: Any, home: Path) -> None:
    assert cli("case", "list").code == 0
    with sqlite3.connect(home / "genkend.sqlite") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    result = cli("case", "list")
    assert result.code == 1 and "newer genkend" in result.err


def test_tampered_audit_row_fails_verify_with_seq(cli: Any, home: Path) -> None:
    for case_id in ("C1", "C2", "C3"):
        cli("case", "create", case_id, "--title", "t")
    with sqlite3.connect(home / "genkend.sqlite") as conn:
        conn.execute("DROP TRIGGER audit_events_no_update")
        conn.execute("UPDATE audit_events SET subject = 'case:CX' WHERE seq = 2")
    result = cli("audit", "verify")
    assert result.code == 1
    assert "event 2" in result.err


def test_settings_json_shows_origins(cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(mode=0o700)
    (home / "genkend.toml").write_text("workers = 2\n")
    monkeypatch.setenv("GENKEND_BATCH_SIZE", "50")
    data = cli("settings", "--json").json()
    by_name = {row["name"]: row for row in data["settings"]}
    assert by_name["workers"]["value"] == 2 and by_name["workers"]["origin"].startswith("file:")
    assert by_name["batch_size"] == {**by_name["batch_size"], "value": 50, "origin": "env"}
    assert by_name["db"]["origin"] == "default"
    assert all(row["help"] for row in data["settings"])


def test_db_current_and_upgrade(cli: Any) -> None:
    current = cli("db", "current", "--json").json()
    assert current["dialect"] == "sqlite" and current["revision"] == current["head"]
    assert cli("db", "upgrade").code == 0


def test_workspace_on_postgresql(cli: Any, postgres_url: str) -> None:
    assert cli("--db", postgres_url, "case", "create", "P1", "--title", "pg").code == 0
    assert [c["id"] for c in cli("--db", postgres_url, "case", "list", "--json").json()] == ["P1"]
    assert cli("--db", postgres_url, "audit", "verify").code == 0


def test_console_script_runs(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "genkend", "--home", str(tmp_path / "ws")]
    for args in (
        ["user", "add", "boss", "--role", "admin", "--role", "investigator"],
        ["--user", "boss", "case", "create", "C1", "--title", "t"],
    ):
        done = subprocess.run([*base, *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "ws").stat().st_mode & 0o777 == 0o700


def test_a_domain_error_naming_a_field_is_shown_with_its_flag() -> None:
    from genkend.cli import _in_cli_words
    from genkend.errors import InvalidField

    error = InvalidField("max_distance", "must be at least 0")
    assert str(error) == "max_distance must be at least 0"
    assert _in_cli_words(error) == "--max-distance must be at least 0"
