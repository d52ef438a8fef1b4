"""Need-to-know against a hostile insider: searches across cases, membership changes,
authorisations, erasure, account changes by an admin, and who reads the audit trail
and the gallery (issue 9, items 7-10; the rules are in docs/governance.md).

One workspace is built per module (fake face backend) and copied for each test:

    GOV  created by boss (investigator + supervisor); sup is a supervisor member
    X    created by ana (investigator); both cases hold a photo of the same person
    sam  a supervisor, adm an admin, aud an auditor, rev a reviewer: members of nothing
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Store, sqlite_url

FAKE = FakeFaceBackend()
ACCOUNTS = {
    "boss": ["investigator", "supervisor"],
    "ana": ["investigator"],
    "gil": ["investigator"],
    "sup": ["supervisor"],
    "sam": ["supervisor"],
    "adm": ["admin"],
    "aud": ["auditor"],
    "rev": ["reviewer"],
}
GRANT = ["--authority", "Court", "--reference", "R-1", "--valid-until", "2099-12-31"]
BASIS = ["--purpose", "identify the child", "--legal-basis", "warrant 7/2026"]


def _photo(path: Path, who: str) -> Path:
    buf = io.BytesIO()
    pixels = FAKE.canvas(320, 240, [(who, 40, 40, 100)], background=(200, 190, 180))
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _steps(root: Path) -> list[list[str]]:
    roles = ["admin", "investigator", "reviewer", "supervisor", "auditor"]
    steps = [["user", "add", "tester", *(x for r in roles for x in ("--role", r))]]
    steps += [
        ["user", "add", name, *(x for r in held for x in ("--role", r))]
        for name, held in ACCOUNTS.items()
    ]
    for case, owner in (("GOV", "boss"), ("X", "ana")):
        evidence = root / f"evidence-{case}"
        evidence.mkdir()
        _photo(evidence / f"secret-{case}.png", "alice")
        steps += [
            ["--user", owner, "case", "create", case, "--title", f"case {case}"],
            ["--user", owner, "ingest", str(evidence), "--case", case, "--workers", "0"],
        ]
    steps += [
        ["--user", "boss", "case", "member", "add", "GOV", "sup"],
        ["--user", "sup", "authorisation", "grant", "--case", "GOV", *GRANT],
        ["gallery", "enroll", "--identity", "Jane Victim", str(_photo(root / "g.png", "alice"))],
    ]
    return steps


@pytest.fixture(scope="module")
def template(build_workspace: Any) -> Path:
    return Path(build_workspace("access", _steps))


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    return _photo(tmp_path / "probe.png", "alice")


def _refused(result: Any, words: str) -> None:
    assert result.code == 1, result.out
    assert words in result.err, result.err


def _events(run: Any, user: str, *args: str) -> list[dict[str, Any]]:
    return list(run(user, "audit", "show", "--json", *args).json())


# ---------------------------------------------------------------- item 7


def test_search_across_cases_covers_only_the_searchers_cases(run: Any, probe: Path) -> None:
    search = ["search", "face", "--image", str(probe), "--case", "X", "--all-cases", *BASIS]
    found = run("ana", *search, "--json").json()
    assert found["candidates"], "the face of case X must be found"
    assert {c["case_id"] for c in found["candidates"]} == {"X"}
    assert not any("GOV" in str(c["location"]) for c in found["candidates"])
    event = _events(run, "aud", "--action", "search.case")[-1]
    assert event["detail"]["cases"] == ["X"]
    # once a member of GOV too, the same search covers both
    assert run("boss", "case", "member", "add", "GOV", "ana").code == 0
    both = run("ana", *search, "--json").json()
    assert {c["case_id"] for c in both["candidates"]} == {"GOV", "X"}
    assert _events(run, "aud", "--action", "search.case")[-1]["detail"]["cases"] == ["GOV", "X"]


# ---------------------------------------------------------------- item 8


def test_a_supervisor_who_is_not_a_member_cannot_act_on_the_case(run: Any) -> None:
    _refused(run("sam", "case", "member", "add", "GOV", "sam"), "not a member of case GOV")
    _refused(run("sam", "case", "member", "add", "GOV", "ana"), "not a member of case GOV")
    _refused(run("sam", "case", "member", "remove", "GOV", "sup"), "not a member of case GOV")
    _refused(run("sam", "authorisation", "grant", "--case", "GOV", *GRANT), "not a member")
    _refused(run("sam", "authorisation", "refuse", "1", "--note", "no"), "not a member")
    erase = ["retention", "erase-case", "GOV", "--reason", "x", "--yes"]
    _refused(run("sam", *erase), "not a member of case GOV")
    _refused(run("adm", *erase), "not a member of case GOV")
    assert run("aud", "case", "show", "GOV", "--json").json()["status"] == "open"
    members = [m["account"] for m in run("aud", "case", "member", "list", "GOV", "--json").json()]
    assert members == ["boss", "sup"]
    listed = run("aud", "authorisation", "list", "--case", "GOV", "--json").json()
    assert [a["status"] for a in listed] == ["granted"]


def test_an_admin_cannot_reach_case_content_through_new_accounts(run: Any) -> None:
    assert run("adm", "user", "add", "puppet", "--role", "supervisor").code == 0
    _refused(run("puppet", "case", "member", "add", "GOV", "adm"), "not a member of case GOV")
    _refused(run("puppet", "case", "member", "add", "GOV", "puppet"), "not a member")
    _refused(run("adm", "media", "list", "--case", "GOV"), "media list needs the role")
    # an admin cannot take over a member's credentials either
    _refused(run("adm", "user", "token", "boss", "--label", "mine"), "member of a case")
    _refused(run("adm", "user", "password", "boss"), "member of a case")
    assert run("adm", "user", "token", "puppet", "--label", "setup").code == 0
    assert run("boss", "user", "token", "boss", "--label", "scripts").code == 0


def test_membership_is_given_by_the_creator_or_a_supervisor_member(run: Any) -> None:
    assert run("boss", "case", "member", "add", "GOV", "ana").code == 0  # its creator
    assert run("sup", "case", "member", "add", "GOV", "rev").code == 0  # a supervisor member
    _refused(run("ana", "case", "member", "add", "GOV", "gil"), "supervisor")  # neither
    assert run("sup", "case", "member", "remove", "GOV", "rev").code == 0
    members = [m["account"] for m in run("aud", "case", "member", "list", "GOV", "--json").json()]
    assert members == ["ana", "boss", "sup"]
    denials = _events(run, "aud", "--action", "access.denied")
    assert denials[-1]["actor"] == "ana" and denials[-1]["subject"] == "case:GOV"


def test_membership_and_authorisation_lists_need_membership(run: Any) -> None:
    _refused(run("sam", "case", "member", "list", "GOV"), "not a member of case GOV")
    _refused(run("adm", "case", "member", "list", "GOV"), "not a member of case GOV")
    _refused(run("sam", "authorisation", "list", "--case", "GOV"), "not a member of case GOV")
    assert run("sup", "authorisation", "list", "--case", "GOV", "--json").json()
    _refused(run("sup", "authorisation", "grant", "--case", "NOPE", *GRANT), "unknown case")


def test_a_member_supervisor_grants_refuses_and_erases(run: Any) -> None:
    assert run("sup", "authorisation", "grant", "--case", "GOV", *GRANT).code == 0
    assert run("sup", "authorisation", "refuse", "2", "--note", "court said no").code == 0
    done = run("sup", "retention", "erase-case", "GOV", "--reason", "order 3", "--yes")
    assert done.code == 0, done.err


# ---------------------------------------------------------------- item 9


def test_nobody_searches_under_an_authorisation_they_recorded(run: Any, probe: Path) -> None:
    assert run("boss", "authorisation", "grant", "--case", "GOV", *GRANT).code == 0
    search = ["search", "face", "--image", str(probe), "--case", "GOV", "--gallery", *BASIS]
    _refused(run("boss", *search), "recorded by boss")
    refusal = _events(run, "aud", "--action", "search.refused")[-1]
    assert refusal["actor"] == "boss" and "recorded by boss" in refusal["detail"]["reason"]
    assert run("boss", "case", "member", "add", "GOV", "ana").code == 0
    found = run("ana", *search, "--json").json()  # someone else may search under it
    assert found["authorisation_id"] == 2 and found["candidates"]


# ---------------------------------------------------------------- item 10


def test_audit_show_is_need_to_know_and_itself_audited(run: Any) -> None:
    everything = _events(run, "aud")
    assert {"case:GOV", "case:X"} <= {e["subject"] for e in everything}
    consulted = _events(run, "aud", "--action", "audit.show")
    assert consulted and consulted[-1]["actor"] == "aud"
    assert consulted[-1]["detail"]["shown"] == len(everything)
    assert consulted[-1]["detail"]["cases"] == "all"
    own_cases = _events(run, "sup")
    assert {e["subject"] for e in own_cases if e["subject"].startswith("case:")} == {"case:GOV"}
    assert not any("secret-X" in str(e["detail"]) for e in own_cases)
    outsider = _events(run, "sam")
    assert not any(e["subject"].startswith(("case:", "identity:")) for e in outsider)
    assert not any("secret-" in str(e["detail"]) for e in outsider)
    assert _events(run, "aud", "--action", "audit.show")[-1]["detail"]["cases"] == []


def test_gallery_list_needs_a_case_a_purpose_and_is_audited(run: Any) -> None:
    assert run("ana", "gallery", "list").code == 2  # no case, no purpose
    listing = ["gallery", "list", "--case", "X", *BASIS]
    _refused(run("rev", *listing), "not a member of case X")
    blank = run("ana", "gallery", "list", "--case", "X", "--purpose", " ", "--legal-basis", "l")
    assert blank.code == 2 and "purpose" in blank.err
    found = run("ana", *listing, "--json").json()
    assert [i["label"] for i in found] == ["Jane Victim"]
    event = _events(run, "aud", "--action", "gallery.list")[-1]
    assert event["actor"] == "ana" and event["subject"] == "case:X"
    assert event["detail"]["purpose"] == "identify the child"
    assert event["detail"]["identities"] == [found[0]["id"]]


def test_usage_report_of_a_supervisor_covers_their_cases(run: Any, probe: Path) -> None:
    assert run("boss", "case", "member", "add", "GOV", "ana").code == 0
    search = ["search", "face", "--image", str(probe), "--case", "GOV", "--gallery", *BASIS]
    assert run("ana", *search).code == 0
    period = ["--from", "2000-01-01", "--to", "2999-12-31", "--json"]
    assert [s["case"] for s in run("sup", "report", "usage", *period).json()["searches"]] == ["GOV"]
    assert run("sam", "report", "usage", *period).json()["searches"] == []
    assert len(run("aud", "report", "usage", *period).json()["searches"]) == 1


def test_verify_flags_a_search_under_the_searchers_own_authorisation(run: Any, home: Path) -> None:
    """A search recorded before this rule, or written past genkend, is named by verify."""
    store = Store(sqlite_url(home))
    detail = {"purpose": "p", "legal_basis": "l", "authorisation_id": 1}
    with store.begin() as conn:
        seq = audit.record(conn, Actor("sup", "h"), "search.gallery", "case:GOV", detail).seq
    store.dispose()
    verified = run("aud", "audit", "verify", "--json")
    assert verified.code == 1
    problems = json.loads(verified.out)["search_problems"]
    assert [p["seq"] for p in problems] == [seq]
    assert "recorded by sup, the searcher" in problems[0]["message"]
