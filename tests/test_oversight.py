"""Oversight through the CLI: the usage report (contents, period, HTML), what an auditor
may and may not do, and the search checks of ``audit verify``.

One workspace is built per module (fake face backend) and copied for each test.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Store, sqlite_url

FAKE = FakeFaceBackend()
CASE, OTHER = "O1", "O2"
ROLES = {"rev1": "reviewer", "rev2": "reviewer", "aud": "auditor", "sup": "supervisor"}
TODAY = datetime.now(UTC).date()
AROUND_NOW = ("--from", str(TODAY - timedelta(days=1)), "--to", str(TODAY + timedelta(days=1)))
CRAFTER = Actor("tester", "test-host")


def _photo(path: Path, who: str) -> Path:
    pixels = FAKE.canvas(300, 200, [(who, 20, 20, 100)], background=(200, 200, 190))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _gallery_search(probe: Path, case: str, purpose: str = "identify victim") -> list[str]:
    where = ["--image", str(probe), "--case", case, "--gallery"]
    return ["search", "face", *where, "--purpose", purpose, "--legal-basis", "warrant 1/2026"]


def _steps(images: Path) -> list[list[str]]:
    roles = ["admin", "investigator", "reviewer", "supervisor", "auditor"]
    steps = [["user", "add", "tester", *(x for r in roles for x in ("--role", r))]]
    steps += [["case", "create", c, "--title", "oversight"] for c in (CASE, OTHER)]
    steps += [["user", "add", name, "--role", role] for name, role in ROLES.items()]
    # the auditor is a member of the case: it is the role that keeps imagery from them
    steps += [["case", "member", "add", CASE, name] for name in ROLES]
    evidence = images / "evidence"
    evidence.mkdir()
    _photo(evidence / "seized.png", "bob")
    grant = ["--case", CASE, "--authority", "Court X", "--reference", "R-1"]
    steps += [
        ["ingest", str(evidence), "--case", CASE, "--workers", "0"],
        ["--user", "sup", "authorisation", "grant", *grant, "--valid-until", "2099-12-31"],
        ["gallery", "enroll", "--identity", "Known-Bob", str(_photo(images / "b.png", "bob"))],
        _gallery_search(_photo(images / "probe.png", "bob"), CASE),
    ]
    return steps


@pytest.fixture(scope="module")
def template(build_workspace: Any) -> Path:
    return Path(build_workspace("oversight", _steps))


def _craft(home: Path, action: str, case: str, detail: dict[str, Any]) -> int:
    """Append an event as a faulty or tampering program would, straight to the log."""
    store = Store(sqlite_url(home))
    try:
        with store.begin() as conn:
            return int(audit.record(conn, CRAFTER, action, f"case:{case}", detail).seq)
    finally:
        store.dispose()


def _identify(run: Any) -> None:
    for reviewer in ("rev1", "rev2"):
        decided = run(
            reviewer, "review", "decide", "1", "--outcome", "potential_candidate", "--note", "ok"
        )
        assert decided.code == 0, decided.err


def test_usage_report_contents(run: Any, home: Path, tmp_path: Path) -> None:
    _identify(run)
    probe = tmp_path / "p.png"
    _photo(probe, "bob")
    refused = run("tester", *_gallery_search(probe, OTHER, "look for a match"))
    assert refused.code == 1 and "no valid authorisation" in refused.err
    linked = run(
        "tester", "search", "face", "--image", str(probe), "--case", CASE,
        "--purpose", "link within seizure", "--legal-basis", "CPP 10",
    )  # fmt: skip
    assert linked.code == 0, linked.err
    assert run("aud", "media", "list", "--case", CASE).code == 1
    export = tmp_path / "case.json"
    exported = run(
        "tester", "export", "vics", "--case", CASE, "-o", str(export),
        "--purpose", "court file", "--legal-basis", "CPP 20",
    )  # fmt: skip
    assert exported.code == 0, exported.err
    case_search = _events(run, "search.case")[0]["seq"]
    store = Store(sqlite_url(home))
    with store.begin() as conn:
        audit.erase_details(conn, CRAFTER, [case_search], "retention period over")
    store.dispose()

    report = run("aud", "report", "usage", *AROUND_NOW, "--json").json()
    gallery, case = report["searches"]
    assert (gallery["kind"], gallery["case"], gallery["actor"]) == ("gallery", CASE, "tester")
    assert (gallery["purpose"], gallery["legal_basis"]) == ("identify victim", "warrant 1/2026")
    assert (gallery["authorisation_id"], gallery["authority"]) == (1, "Court X")
    assert gallery["authorisation_reference"] == "R-1" and gallery["candidates"] == 1
    assert gallery["started_at"] <= gallery["ended_at"] and len(gallery["probe_sha256"]) == 64
    assert (case["kind"], case["erased"], case["candidates"]) == ("case", True, None)
    summary = {(s["case"], s["kind"]): s for s in report["search_summary"]}
    assert summary[(CASE, "gallery")]["searches"] == 1
    assert summary[(CASE, "gallery")]["candidates"] == 1
    (refusal,) = report["refused_searches"]
    assert (refusal["case"], refusal["purpose"]) == (OTHER, "look for a match")
    assert "no valid authorisation" in refusal["reason"]
    (identified,) = report["identifications"]
    assert identified["reviewers"] == ["rev1", "rev2"] and identified["candidate"] == 1
    assert report["review_outcomes"] == {"identified": 1}
    (denial,) = report["denials"]
    assert (denial["actor"], denial["action"]) == ("aud", "media list")
    (exported_event,) = report["exports"]
    assert (exported_event["kind"], exported_event["purpose"]) == ("vics", "court file")
    (erasure,) = report["erasures"]
    assert erasure["audit_details_erased"] == 1
    assert erasure["reason"] == "retention period over"
    assert report["audit_chain"]["ok"] is True
    # the erased search is counted, not failed
    verified = run("aud", "audit", "verify")
    assert verified.code == 0 and "1 checked" in verified.out and "1 erased" in verified.out


def _events(run: Any, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run("aud", "audit", "show", "--action", action, "--json").json()
    return found


def test_usage_report_period(run: Any) -> None:
    past = run("aud", "report", "usage", "--from", "2000-01-01", "--to", "2000-12-31", "--json")
    assert past.code == 0
    report = past.json()
    assert report["period"] == {
        "from": "2000-01-01T00:00:00.000000Z",
        "to": "2000-12-31T23:59:59.999999Z",
    }
    for key in ("searches", "refused_searches", "identifications", "denials", "exports"):
        assert report[key] == []
    (search,) = _events(run, "search.gallery")
    exact = run("aud", "report", "usage", "--from", search["at"], "--to", search["at"], "--json")
    assert [s["seq"] for s in exact.json()["searches"]] == [search["seq"]]
    after = run("aud", "report", "usage", "--from", "2099-01-01", "--to", "2099-12-31", "--json")
    assert after.json()["searches"] == []
    backwards = run("aud", "report", "usage", "--from", "2026-02-01", "--to", "2026-01-01")
    assert backwards.code == 2 and "after" in backwards.err
    assert run("aud", "report", "usage", "--from", "last year", "--to", "2026-01-01").code == 2
    table = run("aud", "report", "usage", *AROUND_NOW)
    assert table.code == 0 and "Biometric searches (1)" in table.out


def test_usage_report_html_is_self_contained_and_escaped(run: Any, tmp_path: Path) -> None:
    probe = _photo(tmp_path / "p.png", "bob")
    hostile = "<script>alert('x')</script> & more"
    assert run("tester", *_gallery_search(probe, CASE, hostile)).code == 0
    page = tmp_path / "usage.html"
    written = run("aud", "report", "usage", *AROUND_NOW, "--html", str(page))
    assert written.code == 0, written.err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    for outside in ("src=", "href=", "http:", "https:", "@import"):
        assert outside not in html
    assert "identify victim" in html and "Court X" in html
    (made,) = _events(run, "report.usage")
    assert made["actor"] == "aud"
    assert made["detail"]["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()


def test_auditor_verifies_and_reads_reports_but_sees_no_imagery(run: Any) -> None:
    verified = run("aud", "audit", "verify")
    assert verified.code == 0 and "audit chain intact" in verified.out
    assert "biometric searches: 1 checked" in verified.out
    assert run("aud", "report", "usage", *AROUND_NOW, "--json").code == 0
    for refused in (
        ("media", "list", "--case", CASE),
        ("faces", "list", "--case", CASE),
        ("review", "show", "1"),
        ("review", "list", "--case", CASE),
    ):
        result = run("aud", *refused)
        assert result.code == 1 and "needs the role" in result.err, refused
    reviewer_report = run("rev1", "report", "usage", *AROUND_NOW)
    assert reviewer_report.code == 1 and "needs the role" in reviewer_report.err
    denied = [e["detail"]["action"] for e in _events(run, "access.denied")]
    assert denied == ["media list", "faces list", "review show", "review list", "report usage"]


def _failed_verification(run: Any) -> dict[str, Any]:
    result = run("aud", "audit", "verify", "--json")
    assert result.code == 1
    found: dict[str, Any] = json.loads(result.out)
    return found


def test_verify_flags_searches_without_purpose_or_authorisation(run: Any, home: Path) -> None:
    basis = {"purpose": "p", "legal_basis": "l"}
    missing = _craft(home, "search.gallery", CASE, {**basis, "authorisation_id": 999})
    unnamed = _craft(home, "search.gallery", CASE, basis)
    no_purpose = _craft(home, "search.case", CASE, {"purpose": " ", "legal_basis": "l"})
    elsewhere = _craft(home, "search.gallery", OTHER, {**basis, "authorisation_id": 1})
    verified = run("aud", "audit", "verify")
    assert verified.code == 1
    assert "audit chain intact" in verified.out  # the chain holds; the searches do not
    for expected in (
        f"event {missing} (search.gallery, case:{CASE}): names authorisation 999, which does "
        "not exist",
        f"event {unnamed} (search.gallery, case:{CASE}): a gallery search that names no "
        "authorisation",
        f"event {no_purpose} (search.case, case:{CASE}): no purpose recorded",
        f"event {elsewhere} (search.gallery, case:{OTHER}): authorisation 1 is for case {CASE}",
    ):
        assert expected in verified.err
    as_json = _failed_verification(run)
    assert as_json["ok"] is True and as_json["searches_checked"] == 5
    assert [p["seq"] for p in as_json["search_problems"]] == [
        missing,
        unnamed,
        no_purpose,
        elsewhere,
    ]


def test_verify_checks_the_authorisation_at_search_time(run: Any, home: Path) -> None:
    # refused after the search: that search stays lawful
    assert run("sup", "authorisation", "refuse", "1", "--note", "court refused").code == 0
    assert run("aud", "audit", "verify").code == 0
    basis = {"purpose": "p", "legal_basis": "l", "authorisation_id": 1}
    after_refusal = _craft(home, "search.gallery", CASE, basis)
    too_early = _craft(
        home, "search.gallery", CASE, {**basis, "started_at": "2000-01-01T00:00:00.000000Z"}
    )
    too_late = _craft(
        home, "search.gallery", CASE, {**basis, "started_at": "2100-01-01T00:00:00.000000Z"}
    )
    problems = _failed_verification(run)["search_problems"]
    messages = {seq: " | ".join(p["message"] for p in problems if p["seq"] == seq) for seq in
                (after_refusal, too_early, too_late)}  # fmt: skip
    assert {p["seq"] for p in problems} == {after_refusal, too_early, too_late}
    assert "authorisation 1 had been refused or revoked" in messages[after_refusal]
    assert "started before authorisation 1 was granted" in messages[too_early]
    assert "started after authorisation 1 expired" in messages[too_late]
