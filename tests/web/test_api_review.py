"""Two cases kept apart, and the blind double review, through the API alone.

The module's world gains a case ``C2`` made over the API: its own evidence, members,
an authorisation and an authorised gallery search that proposed a candidate. An item
of C2 reached under C1's address is not found there (never C2's data, and nothing is
recorded), even for an account that is a member of both. Two distinct reviewers decide
C1's candidate, each blind to the other until they have decided; C2's candidate is
disputed and settled by a supervisor who did not review it. A change made with the
session cookie needs the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World, _photo, _run
from .conftest import set_password
from .test_api_routes import WHY, cli_json

Bearer = Callable[..., dict[str, str]]
OTHER = "C2"
SECOND = "rev2"  # a second reviewer, member of both cases


@dataclass(frozen=True)
class Other:
    """What C2 holds: a media item, a cluster, an authorisation and a candidate."""

    media: int
    sha256: str
    cluster: int
    authorisation: int
    candidate: int


@pytest.fixture(scope="module")
def other(web_world: World, app: FastAPI, bearer: Bearer) -> Other:
    web_world.add_account(SECOND, ["reviewer"], member=True)
    with TestClient(app, base_url="https://testserver") as client:
        made = client.post(
            "/api/v1/cases", headers=bearer(), json={"new_case_id": OTHER, "title": "apart"}
        )
        assert made.status_code == 201, made.text
        listed = cli_json(web_world, TESTER, "case", "list")
        assert made.json() == next(c for c in listed if c["id"] == OTHER)
        for member in (GRANTOR, REVIEWER, SECOND):
            added = client.post(
                f"/api/v1/cases/{OTHER}/members", headers=bearer(), json={"account": member}
            )
            assert added.status_code == 204, added.text
        evidence = web_world.files / "evidence-c2"
        evidence.mkdir()
        _photo(evidence / "c.png", [("carol", 60, 40, 110)], (320, 240))
        _run(web_world.home, TESTER, "ingest", str(evidence), "--case", OTHER, "--workers", "0")
        _run(web_world.home, TESTER, "faces", "cluster", "--case", OTHER)
        grant = {"authority": "Court Z", "reference": "Z-9", "valid_until": "2099-12-31"}
        granted = client.post(
            f"/api/v1/cases/{OTHER}/authorisations", headers=bearer(GRANTOR), json=grant
        )
        assert granted.status_code == 201, granted.text
        probe = (web_world.files / "probe.png").read_bytes()
        search = client.post(
            f"/api/v1/cases/{OTHER}/search/face",
            headers=bearer(),
            data={**WHY, "in_gallery": "true", "max_distance": "2"},
            files={"image": ("probe.png", probe, "image/png")},
        )
        assert search.status_code == 200, search.text
        assert search.json()["kind"] == "search.gallery"
        item = client.get(f"/api/v1/cases/{OTHER}/media", headers=bearer()).json()["items"][0]
        media = client.get(f"/api/v1/cases/{OTHER}/media/{item['id']}", headers=bearer()).json()
        cluster = client.get(f"/api/v1/cases/{OTHER}/clusters", headers=bearer()).json()[0]
        waiting = client.get(f"/api/v1/cases/{OTHER}/candidates", headers=bearer(REVIEWER))
        assert [c["case_id"] for c in waiting.json()] == [OTHER]
    return Other(
        media=media["id"],
        sha256=media["sha256"],
        cluster=cluster["id"],
        authorisation=granted.json()["id"],
        candidate=waiting.json()[0]["id"],
    )


def _count(client: TestClient, bearer: Bearer) -> int:
    return int(client.get("/api/v1/audit/verify", headers=bearer()).json()["count"])


def test_another_cases_media_is_not_found_under_this_cases_address(
    client: TestClient, bearer: Bearer, other: Other
) -> None:
    response = client.get(f"/api/v1/cases/{CASE}/media/{other.media}", headers=bearer())
    assert response.status_code == 404
    assert other.sha256 not in response.text
    there = client.get(f"/api/v1/cases/{OTHER}/media/{other.media}", headers=bearer())
    assert there.status_code == 200 and there.json()["sha256"] == other.sha256


def test_another_cases_candidate_is_not_found_and_not_decided_here(
    client: TestClient, bearer: Bearer, other: Other
) -> None:
    url = f"/api/v1/cases/{CASE}/candidates/{other.candidate}"
    assert client.get(url, headers=bearer(REVIEWER)).status_code == 404
    before = _count(client, bearer)
    decision = {"outcome": "potential_candidate", "note": "looks alike"}
    response = client.post(f"{url}/decision", headers=bearer(REVIEWER), json=decision)
    assert response.status_code == 404
    assert _count(client, bearer) == before  # nothing recorded
    resolution = {"outcome": "identified", "note": "settled"}
    settled = client.post(f"{url}/resolution", headers=bearer(GRANTOR), json=resolution)
    assert settled.status_code == 404
    there = client.get(
        f"/api/v1/cases/{OTHER}/candidates/{other.candidate}", headers=bearer(REVIEWER)
    )
    assert there.json()["status"] == "open" and there.json()["blind"] is True


def test_another_cases_authorisation_and_cluster_are_not_changed_here(
    client: TestClient, bearer: Bearer, other: Other
) -> None:
    refused = client.post(
        f"/api/v1/cases/{CASE}/authorisations/{other.authorisation}/refuse",
        headers=bearer(GRANTOR),
        json={"note": "wrong case"},
    )
    assert refused.status_code == 404
    listed = client.get(f"/api/v1/cases/{OTHER}/authorisations", headers=bearer(GRANTOR))
    assert [a["status"] for a in listed.json()] == ["granted"]
    named = client.post(
        f"/api/v1/cases/{CASE}/clusters/{other.cluster}/name",
        headers=bearer(),
        json={"label": "Child Z"},
    )
    assert named.status_code == 404
    clusters = client.get(f"/api/v1/cases/{OTHER}/clusters", headers=bearer()).json()
    assert all(c["label"] is None for c in clusters)


def test_two_reviewers_decide_blind_one_after_the_other(
    client: TestClient, bearer: Bearer, web_world: World, other: Other
) -> None:
    url = f"/api/v1/cases/{CASE}/candidates/{web_world.ids['candidate']}"
    first = client.get(url, headers=bearer(REVIEWER)).json()
    assert first["blind"] is True and "decisions" not in first
    decided = client.post(
        f"{url}/decision",
        headers=bearer(REVIEWER),
        json={"outcome": "potential_candidate", "note": "same ear shape"},
    )
    assert decided.status_code == 200, decided.text
    assert [d["reviewer"] for d in decided.json()["decisions"]] == [REVIEWER]
    assert decided.json() == cli_json(
        web_world, REVIEWER, "review", "show", str(web_world.ids["candidate"])
    )
    second = client.get(url, headers=bearer(SECOND)).json()
    assert second["blind"] is True and "decisions" not in second  # rev's stays hidden
    again = client.post(
        f"{url}/decision", headers=bearer(REVIEWER), json={"outcome": "no_candidate", "note": "n"}
    )
    assert again.status_code == 403
    denied = client.get("/api/v1/audit/events?action=access.denied", headers=bearer()).json()
    assert denied[-1]["actor"] == REVIEWER
    closed = client.post(
        f"{url}/decision",
        headers=bearer(SECOND),
        json={"outcome": "potential_candidate", "note": "same scar"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] != "open"
    assert {d["reviewer"] for d in closed.json()["decisions"]} == {REVIEWER, SECOND}
    events = client.get("/api/v1/audit/events?action=review.decide", headers=bearer()).json()
    assert [e["actor"] for e in events[-2:]] == [REVIEWER, SECOND]


def test_the_searcher_may_not_review_their_own_candidate(
    client: TestClient, bearer: Bearer, other: Other
) -> None:
    response = client.post(
        f"/api/v1/cases/{OTHER}/candidates/{other.candidate}/decision",
        headers=bearer(TESTER),
        json={"outcome": "potential_candidate", "note": "mine"},
    )
    assert response.status_code == 403


def test_a_dispute_is_settled_by_a_supervisor_who_did_not_review(
    client: TestClient, bearer: Bearer, other: Other
) -> None:
    url = f"/api/v1/cases/{OTHER}/candidates/{other.candidate}"
    for who, outcome in ((REVIEWER, "potential_candidate"), (SECOND, "no_candidate")):
        made = client.post(
            f"{url}/decision", headers=bearer(who), json={"outcome": outcome, "note": "seen"}
        )
        assert made.status_code == 200, made.text
    assert made.json()["status"] == "disputed"
    disputes = client.get(f"/api/v1/cases/{OTHER}/disputes", headers=bearer(GRANTOR)).json()
    assert [d["id"] for d in disputes] == [other.candidate]
    resolution = {"outcome": "identified", "note": "the court's photo matches"}
    by_reviewer = client.post(f"{url}/resolution", headers=bearer(REVIEWER), json=resolution)
    assert by_reviewer.status_code == 403
    settled = client.post(f"{url}/resolution", headers=bearer(GRANTOR), json=resolution)
    assert settled.status_code == 200, settled.text
    assert settled.json()["status"] == "identified"
    assert client.get(f"/api/v1/cases/{OTHER}/disputes", headers=bearer(GRANTOR)).json() == []


def test_members_are_added_and_removed(
    client: TestClient, bearer: Bearer, web_world: World, other: Other
) -> None:
    gone = client.delete(f"/api/v1/cases/{OTHER}/members/{SECOND}", headers=bearer())
    assert gone.status_code == 204
    members = client.get(f"/api/v1/cases/{OTHER}/members", headers=bearer()).json()
    assert SECOND not in [m["account"] for m in members]
    assert members == cli_json(web_world, TESTER, "case", "member", "list", OTHER)


def test_a_cookie_signed_in_change_needs_the_csrf_token(
    client: TestClient, web_world: World, bearer: Bearer
) -> None:
    set_password(web_world.home, TESTER, "correct horse battery")
    signed = client.post(
        "/api/v1/login", json={"username": TESTER, "password": "correct horse battery"}
    )
    assert signed.status_code == 200, signed.text
    cluster = web_world.ids["cluster"]
    url = f"/api/v1/cases/{CASE}/clusters/{cluster}/name"
    forged = client.post(url, json={"label": "Child Z"})  # the cookie, no CSRF token
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["error"]["message"]
    clusters = client.get(f"/api/v1/cases/{CASE}/clusters").json()  # reading needs none
    assert [c["label"] for c in clusters if c["id"] == cluster] == [None]
    named = client.post(
        url, json={"label": "Child Z"}, headers={"X-CSRF-Token": signed.json()["csrf_token"]}
    )
    assert named.status_code == 204
    clusters = client.get(f"/api/v1/cases/{CASE}/clusters", headers=bearer()).json()
    assert [c["label"] for c in clusters if c["id"] == cluster] == ["Child Z"]
