"""Blind double review through the CLI: a gallery search proposes candidates; two distinct
reviewers, each blind to the other, identify; disputes go to a supervisor; every
decision and refusal is audited.

One workspace is built per module (fake face backend) and copied for each test.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genkend.faces.fake import FakeFaceBackend

FAKE = FakeFaceBackend()
CASE = "R1"
# The search ranks Known-Bob (the probe's person) first, Known-Alice second.
BOB, ALICE = 1, 2
MEMBERS = ("rev1", "rev2", "rev3", "sup", "both")
ACCOUNTS = {
    "rev1": ["reviewer"],
    "rev2": ["reviewer"],
    "rev3": ["reviewer"],
    "outsider": ["reviewer"],
    "sup": ["supervisor"],
    "both": ["reviewer", "supervisor"],
}


def _photo(path: Path, who: str, size: int) -> Path:
    pixels = FAKE.canvas(size * 3, size * 2, [(who, 20, 20, size)], background=(200, 200, 190))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _steps(images: Path) -> list[list[str]]:
    roles = ["admin", "investigator", "reviewer", "supervisor", "auditor"]
    steps = [["user", "add", "tester", *(x for r in roles for x in ("--role", r))]]
    steps += [["case", "create", CASE, "--title", "review"]]
    for name, held in ACCOUNTS.items():
        steps.append(["user", "add", name, *(x for r in held for x in ("--role", r))])
    steps += [["case", "member", "add", CASE, name] for name in MEMBERS]
    grant = ["--case", CASE, "--authority", "Court X", "--reference", "R-1"]
    probe = str(_photo(images / "probe.png", "bob", 120))
    steps += [
        # recorded by a supervisor other than the searcher (AI Act Art. 26(10))
        ["--user", "sup", "authorisation", "grant", *grant, "--valid-until", "2099-12-31"],
        ["gallery", "enroll", "--identity", "Known-Bob", str(_photo(images / "b.png", "bob", 80))],
        [
            "gallery",
            "enroll",
            "--identity",
            "Known-Alice",
            str(_photo(images / "a.png", "alice", 80)),
        ],
        [
            "search",
            "face",
            "--image",
            probe,
            "--case",
            CASE,
            "--gallery",
            "--max-distance",
            "2",
            "--purpose",
            "identify victim",
            "--legal-basis",
            "warrant 1/2026",
        ],
    ]
    return steps


@pytest.fixture(scope="module")
def template(build_workspace: Any) -> Path:
    return Path(build_workspace("review", _steps))


def _decide(run: Any, user: str, candidate: int, outcome: str, note: str = "reasons") -> Any:
    return run(user, "review", "decide", str(candidate), "--outcome", outcome, "--note", note)


def _events(run: Any, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run(
        "tester", "audit", "show", "--action", action, "--json"
    ).json()
    return found


def test_gallery_search_proposes_candidates_linked_to_its_event(run: Any) -> None:
    listed = run("rev1", "review", "list", "--case", CASE, "--json").json()
    assert [(c["id"], c["identity_label"]) for c in listed] == [
        (BOB, "Known-Bob"),
        (ALICE, "Known-Alice"),
    ]
    (search,) = _events(run, "search.gallery")
    for candidate in listed:
        assert candidate["search_seq"] == search["seq"] and candidate["searched_by"] == "tester"
        assert candidate["authorisation_id"] == search["detail"]["authorisation_id"] == 1
        assert candidate["probe"].endswith("probe.png")
        assert candidate["probe_sha256"] == search["detail"]["input"]["sha256"]
        assert candidate["max_distance"] == 2.0 and candidate["fmr"] is None
        assert "decisions" not in candidate
    assert listed[0]["distance"] < 0.01 < 1.0 < listed[1]["distance"]
    screen = run("rev1", "review", "list", "--case", CASE)
    assert screen.code == 0
    for shown in ("Known-Bob", "Known-Alice", "probe.png", "unknown", "2.0"):
        assert shown in screen.out
    # whoever searched cannot review, so nothing awaits the searcher
    assert run("tester", "review", "list", "--case", CASE, "--json").json() == []


def test_identification_needs_two_distinct_reviewers(run: Any) -> None:
    list_before = run("rev2", "review", "list", "--case", CASE, "--json").out
    show_before = run("rev2", "review", "show", str(BOB), "--json").out
    first = _decide(run, "rev1", BOB, "potential_candidate", "same ear shape and scar")
    assert first.code == 0 and "candidate is now open" in first.out
    again = _decide(run, "rev1", BOB, "potential_candidate", "still sure")
    assert again.code == 1 and "rev1 has already decided on candidate 1" in again.err
    # blind: the second reviewer sees exactly what they saw before the first decision
    assert run("rev2", "review", "list", "--case", CASE, "--json").out == list_before
    assert run("rev2", "review", "show", str(BOB), "--json").out == show_before
    screen = run("rev2", "review", "show", str(BOB))
    assert "hidden" in screen.out
    assert "scar" not in screen.out and "rev1" not in screen.out
    second = run("rev2", "review", "decide", str(BOB), "--outcome", "potential_candidate")
    assert second.code == 2  # a decision needs its note
    done = run(
        "rev2",
        "review",
        "decide",
        str(BOB),
        "--outcome",
        "potential_candidate",
        "--note",
        "matching birthmark",
        "--json",
    ).json()
    assert done["status"] == "identified" and not done["blind"]
    assert [(d["reviewer"], d["outcome"]) for d in done["decisions"]] == [
        ("rev1", "potential_candidate"),
        ("rev2", "potential_candidate"),
    ]
    decided = _events(run, "review.decide")
    assert [(e["actor"], e["detail"]["status"]) for e in decided] == [
        ("rev1", "open"),
        ("rev2", "identified"),
    ]
    assert decided[0]["detail"]["note"] == "same ear shape and scar"
    assert decided[0]["detail"]["decided_at"] <= decided[1]["detail"]["decided_at"]
    assert decided[1]["detail"]["reviewers"] == ["rev1", "rev2"]
    assert decided[1]["detail"]["candidate"] == BOB
    (denied,) = [e for e in _events(run, "access.denied") if e["actor"] == "rev1"]
    assert denied["detail"]["action"] == "review decide" and denied["detail"]["candidate"] == BOB
    assert "already decided" in denied["detail"]["reason"]


def test_the_searcher_may_not_review(run: Any) -> None:
    refused = _decide(run, "tester", BOB, "potential_candidate")
    assert refused.code == 1 and "tester ran the search that proposed candidate 1" in refused.err
    (denied,) = _events(run, "access.denied")
    assert denied["actor"] == "tester" and denied["subject"] == f"case:{CASE}"
    assert _events(run, "review.decide") == []


def test_reviewer_role_and_case_membership_are_needed(run: Any) -> None:
    by_supervisor = _decide(run, "sup", BOB, "potential_candidate")
    assert by_supervisor.code == 1 and "needs the role reviewer" in by_supervisor.err
    by_outsider = _decide(run, "outsider", BOB, "potential_candidate")
    assert by_outsider.code == 1 and "not a member of case R1" in by_outsider.err
    assert run("outsider", "review", "list", "--case", CASE).code == 1
    assert run("outsider", "review", "show", str(BOB)).code == 1
    assert _events(run, "review.decide") == []
    assert len(_events(run, "access.denied")) == 4


def test_disagreement_goes_to_a_supervisor(run: Any) -> None:
    assert _decide(run, "rev1", BOB, "potential_candidate").code == 0
    assert _decide(run, "both", BOB, "no_candidate").code == 0
    shown = run("sup", "review", "show", str(BOB), "--json").json()
    assert shown["status"] == "disputed" and len(shown["decisions"]) == 2
    late = _decide(run, "rev3", BOB, "potential_candidate")
    assert late.code == 1 and "two decisions already" in late.err
    resolve = ("review", "resolve", str(BOB), "--outcome", "identified", "--note", "checked")
    assert "needs the role supervisor" in run("rev1", *resolve).err
    assert "both reviewed candidate 1" in run("both", *resolve).err
    not_disputed = run("sup", "review", "resolve", str(ALICE), "--outcome", "rejected")
    assert not_disputed.code == 2  # the note is missing
    not_disputed = run(
        "sup", "review", "resolve", str(ALICE), "--outcome", "rejected", "--note", "no"
    )
    assert not_disputed.code == 1 and "is open, not disputed" in not_disputed.err
    assert run("rev1", "review", "list", "--case", CASE, "--disputed").code == 1
    waiting = run("sup", "review", "list", "--case", CASE, "--disputed", "--json").json()
    assert [c["id"] for c in waiting] == [BOB]
    settled = run("sup", *resolve, "--json").json()
    assert settled["status"] == "identified"
    assert settled["decisions"][-1] == {**settled["decisions"][-1], "role": "supervisor"}
    assert run("sup", *resolve).code == 1  # settled once
    (event,) = _events(run, "review.resolve")
    assert event["actor"] == "sup" and event["detail"]["reviewers"] == ["rev1", "both"]
    assert (event["detail"]["outcome"], event["detail"]["note"]) == ("identified", "checked")
    assert run("sup", "review", "list", "--case", CASE, "--disputed", "--json").json() == []


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [
        ("no_candidate", "no_candidate", "rejected"),
        ("inconclusive", "inconclusive", "disputed"),
        ("potential_candidate", "inconclusive", "disputed"),
    ],
)
def test_two_decisions_close_a_candidate(run: Any, first: str, second: str, status: str) -> None:
    assert _decide(run, "rev1", ALICE, first).code == 0
    shown = run("rev2", "review", "decide", str(ALICE), "--outcome", second, "--note", "n")
    assert shown.code == 0 and f"candidate is now {status}" in shown.out
    assert run("rev3", "review", "list", "--case", CASE, "--json").json()[0]["id"] == BOB


def test_blindness_holds_for_a_reviewer_who_is_also_supervisor(run: Any) -> None:
    assert _decide(run, "rev1", BOB, "no_candidate", "different jaw").code == 0
    for blind in ("both", "rev2"):
        shown = run(blind, "review", "show", str(BOB), "--json").json()
        assert shown["blind"] and "decisions" not in shown and shown["status"] == "open"
    for seeing in ("sup", "rev1"):
        shown = run(seeing, "review", "show", str(BOB), "--json").json()
        assert not shown["blind"]
        assert [(d["reviewer"], d["note"]) for d in shown["decisions"]] == [
            ("rev1", "different jaw")
        ]


def test_candidates_due_for_deletion_are_not_reviewable(run: Any) -> None:
    assert run("sup", "authorisation", "refuse", "1", "--note", "court refused").code == 0
    assert run("rev1", "review", "list", "--case", CASE, "--json").json() == []
    refused = _decide(run, "rev1", BOB, "potential_candidate")
    assert refused.code == 1 and "due for deletion" in refused.err
    assert run("rev1", "review", "show", str(BOB), "--json").json()["deletion_due"] is True


def test_wrong_outcomes_and_unknown_candidates(run: Any) -> None:
    assert _decide(run, "rev1", BOB, "identified").code == 2
    assert _decide(run, "rev1", BOB, "potential_candidate", "  ").code == 2
    wrong = run("sup", "review", "resolve", str(BOB), "--outcome", "no_candidate", "--note", "x")
    assert wrong.code == 2 and "identified, rejected, inconclusive" in wrong.err
    unknown = _decide(run, "rev1", 99, "no_candidate")
    assert unknown.code == 1 and "unknown candidate 99" in unknown.err
    assert _events(run, "review.*") == []


@pytest.mark.postgres
def test_review_and_checks_on_postgresql(
    cli: Any, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")

    def on_pg(user: str, *args: str) -> Any:
        return cli("--db", postgres_url, "--user", user, *args)

    probe = str(_photo(tmp_path / "probe.png", "bob", 120))
    grant = ["--case", CASE, "--authority", "Court X", "--reference", "R-1"]
    basis = ["--purpose", "p", "--legal-basis", "l"]
    setup = [
        ["case", "create", CASE, "--title", "pg"],
        *(["user", "add", name, "--role", "reviewer"] for name in ("rev1", "rev2")),
        ["user", "add", "sup", "--role", "supervisor"],
        *(["case", "member", "add", CASE, name] for name in ("rev1", "rev2", "sup")),
        ["--user", "sup", "authorisation", "grant", *grant, "--valid-until", "2099-12-31"],
        [
            "gallery",
            "enroll",
            "--identity",
            "Known-Bob",
            str(_photo(tmp_path / "b.png", "bob", 80)),
        ],
        ["search", "face", "--image", probe, "--case", CASE, "--gallery", *basis],
    ]
    for step in setup:
        assert on_pg("tester", *step).code == 0, step
    assert [c["id"] for c in on_pg("rev1", "review", "list", "--case", CASE, "--json").json()] == [
        BOB
    ]
    decide = ("review", "decide", str(BOB), "--outcome", "potential_candidate", "--note", "n")
    assert on_pg("rev1", *decide).code == 0
    assert on_pg("rev1", *decide).code == 1
    assert on_pg("rev2", "review", "show", str(BOB), "--json").json()["blind"] is True
    assert on_pg("rev2", *decide, "--json").json()["status"] == "identified"
    verified = on_pg("tester", "audit", "verify")
    assert verified.code == 0 and "biometric searches: 1 checked" in verified.out
    report = on_pg(
        "tester", "report", "usage", "--from", "2000-01-01", "--to", "2999-12-31", "--json"
    )
    assert report.json()["identifications"][0]["reviewers"] == ["rev1", "rev2"]
