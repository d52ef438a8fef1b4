"""Hostile text cannot rewrite the terminal: file names, titles and other stored or
evidence-derived text reach the screen with Rich markup taken literally and control
characters shown as escapes, in tables, messages, errors and warnings alike."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.cli.context import print_json, print_table, shown

ESC = "\x1b"
HOSTILE = {
    "markup": "[red]RED.jpg",
    "hidden": "[bold red]hidden[on red] kept.jpg",
    "title": f"{ESC}]0;pwned\x07title.jpg",
    "erase": f"{ESC}[2Kerased.jpg",
    "emoji": ":warning: emoji.jpg",
    "bidi": "\u202egpj.exe",
    "csi8": "\x9b31mred.jpg",
}


def visible(name: str) -> str:
    """How an investigator must see ``name``: markup as typed, controls as escapes."""
    return (
        name.replace(ESC, "\\x1b")
        .replace("\x07", "\\x07")
        .replace("\u202e", "\\u202e")
        .replace("\x9b", "\\x9b")
    )


def test_shown_makes_invisible_characters_visible_and_keeps_the_rest() -> None:
    assert shown(f"{ESC}[2Ka\tb\nc\x00") == "\\x1b[2Ka\\tb\\nc\\x00"
    assert shown("\u202egpj.exe\u200b") == "\\u202egpj.exe\\u200b"
    assert shown("Søren Ærø [red] :warning: 42") == "Søren Ærø [red] :warning: 42"
    assert shown(None) == "" and shown(7) == "7"


def test_print_table_shows_names_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(f"title {HOSTILE['markup']}", ["name"], [[n] for n in HOSTILE.values()])
    out = capsys.readouterr().out
    assert ESC not in out and "\x07" not in out and "\x9b" not in out
    assert "title [red]RED.jpg" in out
    for name in HOSTILE.values():
        assert visible(name) in out


def test_json_output_escapes_invisible_characters_and_loses_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json({"names": list(HOSTILE.values()), "plain": "Søren"})
    out = capsys.readouterr().out
    assert "\x9b" not in out and "\u202e" not in out and ESC not in out
    assert "Søren" in out
    assert json.loads(out) == {"names": list(HOSTILE.values()), "plain": "Søren"}


@pytest.fixture
def hostile_evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir()
    for shade, name in enumerate(HOSTILE.values()):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), (shade * 30, 90, 200 - shade * 20)).save(buffer, "JPEG")
        (root / name).write_bytes(buffer.getvalue())
    return root


def test_media_list_and_audit_show_do_not_obey_file_names(cli: Any, hostile_evidence: Path) -> None:
    title = f"{ESC}[2J[bold]Case[/bold]"
    assert cli("case", "create", "C1", "--title", title).code == 0
    ingest = ("ingest", str(hostile_evidence), "--case", "C1", "--workers", "0", "--no-faces")
    assert cli(*ingest).code == 0
    listed = cli("media", "list", "--case", "C1")
    assert listed.code == 0
    assert ESC not in listed.out and "\x07" not in listed.out and "\x9b" not in listed.out
    found = cli("media", "list", "--case", "C1", "--json").json()
    assert len(found) >= len(HOSTILE)
    for media in found:  # locations escape control characters themselves (%1B)
        assert visible(media["locations"][0]["location"]) in listed.out
    for media in found:
        one = cli("media", "show", str(media["id"]))
        assert one.code == 0 and ESC not in one.out and "\x9b" not in one.out
    for command in (("case", "list"), ("case", "show", "C1"), ("audit", "show")):
        result = cli(*command)
        assert result.code == 0, command
        assert ESC not in result.out, command
        # the audit detail is canonical JSON, which writes ESC as \u001b itself
        escaped = "[2J" if command[0] == "audit" else "\\x1b[2J"
        assert escaped + "[bold]Case[/bold]" in result.out, command


def test_error_line_quoting_a_name_stays_one_visible_line(cli: Any, tmp_path: Path) -> None:
    assert cli("case", "create", "C1", "--title", "t").code == 0
    missing = tmp_path / f"{ESC}[2Kgone\nfake line"
    result = cli("ingest", str(missing), "--case", "C1")
    assert result.code == 1
    assert result.err.startswith("genkend: error: ") and result.err.count("\n") == 1
    assert ESC not in result.err and "\\x1b[2Kgone\\nfake line" in result.err


def test_warnings_show_names_as_escapes(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("case", "list").code == 0  # the command line sets up its warning output
    logging.getLogger("genkend.evaluate.dataset").warning(
        "%s is not in an identity subfolder", f"{ESC}]0;pwned\x07x.jpg"
    )
    err = capsys.readouterr().err
    assert ESC not in err and "\\x1b]0;pwned\\x07x.jpg is not in" in err
