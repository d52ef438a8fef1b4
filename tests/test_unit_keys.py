"""Unit identity (issue 15 part 1): the unit key and the partner registry, through the CLI.

Real keys (cryptography's Ed25519), a real SQLite store; nothing is mocked.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from genkend.governance import dsse, keys
from genkend.store import Store, sqlite_url

PASSPHRASE = "Zq7-unmistakable-passphrase-41"


@pytest.fixture
def keyed(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A workspace whose unit key exists (passphrase from the environment)."""
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    made = cli("keys", "init")
    assert made.code == 0, made.err
    return cli


def _events(cli: Any, action: str) -> list[dict[str, Any]]:
    return list(cli("audit", "show", "--action", action, "--json").json())


def _partner_key(tmp_path: Path, name: str) -> tuple[Path, str]:
    public = Ed25519PrivateKey.generate().public_key()
    path = tmp_path / f"{name}.pem"
    path.write_text(keys.public_pem(public))
    return path, keys.key_id(public)


def test_init_makes_an_encrypted_owner_only_key(keyed: Any, home: Path) -> None:
    path = keys.key_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    wrapper = json.loads(path.read_text())
    assert wrapper["kdf"]["name"] == "argon2id" and wrapper["kdf"]["memory_cost"] >= 65536
    pem = wrapper["pkcs8_pem"].encode()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    with pytest.raises(TypeError):  # encrypted: no key without a password
        serialization.load_pem_private_key(pem, None)
    with pytest.raises(ValueError):  # the PKCS#8 password is Argon2id of the passphrase
        serialization.load_pem_private_key(pem, PASSPHRASE.encode())
    store = Store(sqlite_url(home))
    try:
        with store.read() as conn:
            _, opened = keys.signing_key(conn, home, PASSPHRASE)
            with pytest.raises(keys.KeyUnusable, match="does not open"):
                keys.signing_key(conn, home, PASSPHRASE + "x")
    finally:
        store.dispose()
    shown = keyed("keys", "show", "--json").json()
    assert [k["key_id"] for k in shown] == [keys.key_id(opened.public_key())]
    assert _events(keyed, "keys.init")[0]["detail"]["key_id"] == shown[0]["key_id"]


def test_init_twice_is_refused_and_the_key_kept(keyed: Any, home: Path) -> None:
    before = keys.key_path(home).read_bytes()
    again = keyed("keys", "init")
    assert again.code != 0
    assert "already has a signing key" in again.err and "--rotate" in again.err
    assert keys.key_path(home).read_bytes() == before
    assert len(keyed("keys", "show", "--json").json()) == 1


def test_rotation_retires_the_old_public_key(keyed: Any, home: Path) -> None:
    old = keyed("keys", "show", "--json").json()[0]["key_id"]
    assert keyed("keys", "init", "--rotate").code == 0
    found = keyed("keys", "show", "--json").json()
    assert found[0]["key_id"] == old and len(found) == 2
    assert found[0]["retired_at"] and found[1]["current"]
    rotated = _events(keyed, "keys.rotate")
    assert rotated[0]["detail"]["retired_key_id"] == old


def test_a_short_passphrase_is_refused(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "short")
    refused = cli("keys", "init")
    assert refused.code != 0 and "at least 12 characters" in refused.err
    assert cli("keys", "show", "--json").json() == []


def test_export_public_writes_pem_and_json_never_the_private_key(
    keyed: Any, tmp_path: Path
) -> None:
    key_id = keyed("keys", "show", "--json").json()[0]["key_id"]
    pem, as_json = tmp_path / "unit.pem", tmp_path / "unit.json"
    assert keyed("keys", "export-public", "-o", str(pem)).code == 0
    assert keyed("keys", "export-public", "-o", str(as_json), "--json").code == 0
    assert b"PRIVATE" not in pem.read_bytes() + as_json.read_bytes()
    assert keys.key_id(keys.read_public_key(pem.read_bytes(), "pem")) == key_id
    assert json.loads(as_json.read_text())["key_id"] == key_id
    assert keys.key_id(keys.read_public_key(as_json.read_bytes(), "json")) == key_id
    assert len(_events(keyed, "keys.export-public")) == 2


def test_the_passphrase_appears_in_no_output_log_or_record(
    keyed: Any, home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outputs = [
        keyed("keys", "show"),
        keyed("keys", "export-public", "-o", str(tmp_path / "p.pem")),
        keyed("audit", "checkpoint", "-o", str(tmp_path / "c.json")),
        keyed("audit", "verify", "--checkpoint", str(tmp_path / "c.json")),
        keyed("keys", "init"),  # refused
        keyed("audit", "show", "--json"),
        keyed("settings"),
    ]
    assert all(r.code in (0, 1, 5) for r in outputs)
    written = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    written += b"".join(p.read_bytes() for p in tmp_path.glob("*") if p.is_file())
    assert PASSPHRASE.encode() not in written
    said = "".join(r.out + r.err for r in outputs) + caplog.text
    assert PASSPHRASE not in said


def test_partner_add_list_revoke_each_audited(keyed: Any, tmp_path: Path) -> None:
    path, key_id = _partner_key(tmp_path, "nl")
    added = keyed("partner", "add", "NL-VIU", "--key", str(path), "--fingerprint", key_id.upper())
    assert added.code == 0, added.err
    assert keyed("partner", "revoke", "NL-VIU").code == 0
    listed = keyed("partner", "list", "--json").json()
    assert [(p["name"], p["key_id"], p["revoked"]) for p in listed] == [("NL-VIU", key_id, True)]
    assert listed[0]["revoked_by"] == "tester" and listed[0]["revoked_at"]
    assert _events(keyed, "partner.add")[0]["subject"] == "partner:NL-VIU"
    revoked = _events(keyed, "partner.revoke")
    assert [(e["actor"], e["detail"]["key_id"]) for e in revoked] == [("tester", key_id)]
    assert keyed("partner", "revoke", "NL-VIU").code != 0  # only once


def test_partner_with_a_wrong_fingerprint_is_refused(cli: Any, tmp_path: Path) -> None:
    path, key_id = _partner_key(tmp_path, "de")
    _, other = _partner_key(tmp_path, "other")
    refused = cli("partner", "add", "DE-BKA", "--key", str(path), "--fingerprint", other)
    assert refused.code != 0
    assert "does not match" in refused.err and key_id in refused.err and other in refused.err
    assert cli("partner", "list", "--json").json() == []
    assert _events(cli, "partner.add") == []


def test_a_partner_key_that_is_not_a_key_is_refused(cli: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    refused = cli("partner", "add", "X", "--key", str(junk))
    assert refused.code != 0 and "no PEM public key" in refused.err
    rsa = tmp_path / "missing.pem"
    assert cli("partner", "add", "X", "--key", str(rsa)).code != 0


def test_non_admins_are_refused_and_audited(cli: Any, tmp_path: Path) -> None:
    assert cli("user", "add", "ina", "--role", "investigator", "--role", "auditor").code == 0
    path, _ = _partner_key(tmp_path, "fr")
    for args in (
        ["keys", "init"],
        ["keys", "show"],
        ["keys", "export-public", "-o", str(tmp_path / "x.pem")],
        ["partner", "add", "FR", "--key", str(path)],
        ["partner", "list"],
        ["partner", "revoke", "FR"],
    ):
        refused = cli("--user", "ina", *args)
        assert refused.code != 0 and "needs the role admin" in refused.err, args
    denied = _events(cli, "access.denied")
    assert len([e for e in denied if e["actor"] == "ina"]) == 6
    assert not (tmp_path / "x.pem").exists()


def test_dsse_pae_and_refusals() -> None:
    assert dsse.pae("t", b"ab") == b"DSSEv1 1 t 2 ab"
    private = Ed25519PrivateKey.generate()
    kid = keys.key_id(private.public_key())
    sealed = dsse.seal(b"{}", "application/x", private, kid)
    assert dsse.open_envelope(sealed, "application/x", {kid: private.public_key()}).key_id == kid
    with pytest.raises(ValueError, match="payload type"):  # a signature is for one type only
        dsse.open_envelope(sealed, "application/y", {kid: private.public_key()})
    with pytest.raises(ValueError, match="none of the known keys"):
        dsse.open_envelope(sealed, "application/x", {})
    forged = {**sealed, "payload": "e30K"}  # "{}\n": one byte more
    with pytest.raises(ValueError, match="does not verify"):
        dsse.open_envelope(forged, "application/x", {kid: private.public_key()})


def test_keys_partners_and_checkpoints_on_every_store(store_url: str, tmp_path: Path) -> None:
    """The same records on SQLite and PostgreSQL (the ``store_url`` contract)."""
    from genkend.governance import checkpoints, partners
    from genkend.records import Actor

    actor = Actor("adm", "ws-1")
    store = Store(store_url)
    store.upgrade()
    try:
        with store.begin() as conn:
            made = keys.create(conn, tmp_path, actor, lambda: PASSPHRASE, False)
            pem = keys.public_pem(Ed25519PrivateKey.generate().public_key()).encode()
            partners.add(conn, actor, "BE-FCCU", pem, "be.pem", None)
            partners.revoke(conn, actor, "BE-FCCU")
            _, envelope = checkpoints.make(conn, tmp_path, actor, PASSPHRASE, "test")
        with store.read() as conn:
            assert [k.key_id for k in keys.unit_keys(conn)] == [made.key_id]
            assert [(p.name, p.revoked) for p in partners.listed(conn)] == [("BE-FCCU", True)]
            found = checkpoints.check(conn, [("cp", json.dumps(envelope).encode())])
        assert found.ok and found.checked[0].checkpoint is not None
    finally:
        store.dispose()
