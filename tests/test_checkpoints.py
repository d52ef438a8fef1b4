"""Audit anchoring (issue 15 part 4): signed checkpoints outside the database, and the
attacks on the trail they expose, each found with the first bad sequence number.

The attacks are made as an administrator with database access makes them: the guard
triggers dropped, rows deleted or rewritten in SQL, digests recomputed with the real
digest function. Real keys, a real SQLite store, real ingest and export.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend
from genkend.governance import audit, keys
from genkend.records import Actor
from genkend.store import Store, sqlite_url

PASSPHRASE = "anchoring-passphrase-0815"
FILLER = Actor("filler", "ws-test")
BASIS = ["--purpose", "identify the child", "--legal-basis", "warrant 7/2026"]


@pytest.fixture
def keyed(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    assert cli("keys", "init").code == 0
    return cli


def _fill(home: Path, n: int) -> None:
    """``n`` ordinary events appended the ordinary way."""
    store = Store(sqlite_url(home))
    try:
        with store.begin() as conn:
            for i in range(n):
                audit.record(conn, FILLER, "test.event", f"item:{i}", {"n": i})
    finally:
        store.dispose()


def _checkpoint(cli: Any, path: Path) -> int:
    made = cli("audit", "checkpoint", "-o", str(path))
    assert made.code == 0, made.err
    assert json.loads(made.out) == json.loads(path.read_text())  # printed as written
    return int(_payload(path)["seq"])


def _payload(path: Path) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(json.loads(path.read_text())["payload"])))


def _verify(cli: Any, *files: Path) -> Any:
    args = [x for f in files for x in ("--checkpoint", str(f))]
    return cli("audit", "verify", *args, "--json")


def _raw(home: Path) -> sqlite3.Connection:
    """The database opened as an attacker opens it: every guard trigger dropped."""
    raw = sqlite3.connect(home / "genkend.sqlite")
    for trigger in ("audit_events_no_update", "audit_events_no_delete", "audit_details_no_update"):
        raw.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    return raw


def _tamper(home: Path, *statements: str) -> None:
    raw = _raw(home)
    try:
        for statement in statements:
            raw.execute(statement)
        raw.commit()
    finally:
        raw.close()


def _recompute_from(home: Path, seq: int, new_subject: str) -> None:
    """Edit event ``seq`` and recompute its digest and every later one, as the real
    ``audit.event_digest`` computes them: the chain alone verifies again afterwards."""
    raw = _raw(home)
    try:
        (prev,) = raw.execute(
            "SELECT digest FROM audit_events WHERE seq = ?", (seq - 1,)
        ).fetchone()
        rows = raw.execute(
            "SELECT seq, at, actor, host, action, subject, detail_sha256 FROM audit_events "
            "WHERE seq >= ? ORDER BY seq",
            (seq,),
        ).fetchall()
        for at_seq, at, actor, host, action, subject, detail_sha in rows:
            subject = new_subject if at_seq == seq else subject
            digest = audit.event_digest(at_seq, at, actor, host, action, subject, detail_sha, prev)
            raw.execute(
                "UPDATE audit_events SET subject = ?, prev_digest = ?, digest = ? WHERE seq = ?",
                (subject, prev, digest, at_seq),
            )
            prev = digest
        raw.commit()
    finally:
        raw.close()


def test_an_intact_chain_extends_its_checkpoints(keyed: Any, home: Path, tmp_path: Path) -> None:
    _fill(home, 5)
    first = _checkpoint(keyed, tmp_path / "a.json")
    _fill(home, 5)
    second = _checkpoint(keyed, tmp_path / "b.json")
    assert second > first
    checked = _verify(keyed, tmp_path / "a.json", tmp_path / "b.json")
    assert checked.code == 0, checked.out
    found = checked.json()
    assert found["ok"] and found["first_bad_seq"] is None
    assert [c["checkpoint"]["seq"] for c in found["checkpoints"]] == [first, second]
    events = keyed("audit", "show", "--action", "audit.checkpoint", "--json").json()
    assert [e["seq"] for e in events] == [first, second]  # each anchors its own event


def test_the_last_ten_events_deleted(keyed: Any, home: Path, tmp_path: Path) -> None:
    _fill(home, 20)
    head = _checkpoint(keyed, tmp_path / "cp.json")
    _tamper(
        home,
        f"DELETE FROM audit_details WHERE seq > {head - 10}",
        f"DELETE FROM audit_events WHERE seq > {head - 10}",
    )
    assert keyed("audit", "verify").code == 0  # the chain alone cannot see it
    checked = _verify(keyed, tmp_path / "cp.json")
    assert checked.code == 1
    found = json.loads(checked.out)
    assert found["first_bad_seq"] == head - 9
    assert "removed from the end" in found["checkpoints"][0]["reason"]
    plain = keyed("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"))
    assert plain.code == 1 and f"first bad event {head - 9}" in plain.err


def test_an_event_edited_and_the_chain_recomputed(keyed: Any, home: Path, tmp_path: Path) -> None:
    _fill(home, 10)
    early = _checkpoint(keyed, tmp_path / "early.json")
    _fill(home, 10)
    late = _checkpoint(keyed, tmp_path / "late.json")
    _fill(home, 3)
    _recompute_from(home, early + 4, "item:rewritten")
    assert keyed("audit", "verify").code == 0  # recomputed: the chain alone holds
    checked = _verify(keyed, tmp_path / "early.json", tmp_path / "late.json")
    assert checked.code == 1
    found = json.loads(checked.out)
    assert found["first_bad_seq"] == late
    early_check, late_check = found["checkpoints"]
    assert early_check["ok"]
    assert not late_check["ok"] and late_check["first_bad_seq"] == late
    assert "recomputed" in late_check["reason"] and f"after event {early}" in late_check["reason"]


def test_two_events_swapped(keyed: Any, home: Path, tmp_path: Path) -> None:
    _fill(home, 12)
    head = _checkpoint(keyed, tmp_path / "cp.json")
    _tamper(
        home,
        "UPDATE audit_events SET seq = 1000 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = 1000",
    )
    checked = _verify(keyed, tmp_path / "cp.json")
    assert checked.code == 1
    found = json.loads(checked.out)
    assert found["first_bad_seq"] == 6 and head > 7
    assert "breaks at event 6" in found["checkpoints"][0]["reason"]


def test_a_checkpoint_signed_by_another_key_is_refused(
    keyed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_home = tmp_path / "other-unit"
    assert keyed("keys", "init", home_dir=other_home).code == 0
    made = keyed("audit", "checkpoint", "-o", str(tmp_path / "theirs.json"), home_dir=other_home)
    assert made.code == 0
    checked = _verify(keyed, tmp_path / "theirs.json")
    assert checked.code == 1
    reason = json.loads(checked.out)["checkpoints"][0]["reason"]
    assert reason.startswith("refused") and "none of the known keys" in reason


def test_a_tampered_checkpoint_is_refused(keyed: Any, home: Path, tmp_path: Path) -> None:
    _fill(home, 3)
    path = tmp_path / "cp.json"
    _checkpoint(keyed, path)
    envelope = json.loads(path.read_text())
    payload = _payload(path)
    payload["seq"] -= 1  # claim an earlier head, keep the signature
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**envelope, "payload": base64.b64encode(body).decode()}))
    garbled = tmp_path / "garbled.json"
    garbled.write_text(path.read_text()[:-20])
    checked = _verify(keyed, path, forged, garbled)
    assert checked.code == 1
    good, bad, broken = json.loads(checked.out)["checkpoints"]
    assert good["ok"]
    assert not bad["ok"] and "does not verify" in bad["reason"]
    assert not broken["ok"] and broken["reason"].startswith("refused")


def test_old_checkpoints_verify_after_a_rotation(keyed: Any, home: Path, tmp_path: Path) -> None:
    _checkpoint(keyed, tmp_path / "before.json")
    assert keyed("keys", "init", "--rotate").code == 0
    _checkpoint(keyed, tmp_path / "after.json")
    signers = {_payload(tmp_path / n)["key_id"] for n in ("before.json", "after.json")}
    assert len(signers) == 2
    assert _verify(keyed, tmp_path / "before.json", tmp_path / "after.json").code == 0


def test_a_wrong_passphrase_writes_nothing(
    keyed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not-the-passphrase")
    refused = keyed("audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert refused.code != 0 and "does not open" in refused.err
    assert not (tmp_path / "cp.json").exists()
    assert keyed("audit", "show", "--action", "audit.checkpoint", "--json").json() == []


def test_a_checkpoint_never_overwrites_a_file(keyed: Any, tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    path.write_text("kept")
    assert keyed("audit", "checkpoint", "-o", str(path)).code != 0
    assert path.read_text() == "kept"


def _photo(path: Path) -> Path:
    buf = io.BytesIO()
    fake = FakeFaceBackend()
    pixels = fake.canvas(320, 240, [("alice", 40, 40, 100)], background=(200, 190, 180))
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def test_ingest_search_and_export_each_leave_a_checkpoint(
    keyed: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    anchors = tmp_path / "anchors"
    monkeypatch.setenv("GENKEND_CHECKPOINT_DIR", str(anchors))
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    photo = _photo(evidence / "a.png")
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert keyed("case", "create", "K1", "--title", "anchored").code == 0
    steps = [
        ["ingest", str(evidence), "--case", "K1", "--workers", "0"],
        ["search", "face", "--image", str(_photo(tmp_path / "probe.png")), "--case", "K1", *BASIS],
        ["export", "vics", "--case", "K1", "-o", str(tmp_path / "k1.json"), *BASIS],
    ]
    for step in steps:
        done = keyed(*step)
        assert done.code == 0, (step, done.err)
    written = sorted(anchors.glob("checkpoint-*.json"))
    assert len(written) == 3
    occasions = [
        e["detail"]["occasion"]
        for e in keyed("audit", "show", "--action", "audit.checkpoint", "--json").json()
    ]
    assert occasions == ["ingest", "search", "export"]
    assert _verify(keyed, *written).code == 0
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == before
    assert not (home / "checkpoints").exists()  # the setting moved them


def test_without_a_key_the_automatic_checkpoint_is_skipped_and_said(
    cli: Any, home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert cli("case", "create", "K2", "--title", "no key").code == 0
    exported = cli("export", "vics", "--case", "K2", "-o", str(tmp_path / "k2.json"), *BASIS)
    assert exported.code == 0
    assert not (home / "checkpoints").exists()
    assert "no audit checkpoint after this export" in caplog.text
    skipped = cli("audit", "show", "--action", "audit.checkpoint.skipped", "--json").json()
    assert [e["detail"]["occasion"] for e in skipped] == ["export"]
    assert "no signing key" in skipped[0]["detail"]["reason"]


def test_a_wrong_passphrase_or_an_unwritable_folder_skips_but_keeps_the_export(
    keyed: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert keyed("case", "create", "K3", "--title", "skips").code == 0
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not-the-passphrase")
    first = keyed("export", "vics", "--case", "K3", "-o", str(tmp_path / "a.json"), *BASIS)
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("GENKEND_CHECKPOINT_DIR", str(blocked))
    second = keyed("export", "vics", "--case", "K3", "-o", str(tmp_path / "b.json"), *BASIS)
    assert first.code == 0 and second.code == 0, (first.err, second.err)
    assert (tmp_path / "a.json").exists() and (tmp_path / "b.json").exists()
    skipped = keyed("audit", "show", "--action", "audit.checkpoint.skipped", "--json").json()
    reasons = [e["detail"]["reason"] for e in skipped]
    assert len(reasons) == 2
    assert "does not open" in reasons[0] and "cannot write checkpoint" in reasons[1]
    assert PASSPHRASE not in json.dumps(skipped)
