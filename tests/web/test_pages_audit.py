"""The auditor's pages: the trail (newest first, paged by sequence, filtered by action,
details pretty-printed and escaped), the chain's verification and the usage report.

Auditors see every case's events, supervisors only their cases'; a reviewer gets the
403 page and an ``access.denied`` event; and no audit page holds an ``<img>``: an
auditor sees no imagery.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from genkend.web import create_app
from genkend.workspace import open_workspace

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import issue_token
from .test_pages_admin import (
    AUDITOR,
    LISTING,
    Bearer,
    admin_accounts,  # noqa: F401  (autouse: the auditor account of this module's world)
    assert_refused,
    cli,
    cli_json,
    events,
)

# ---------------------------------------------------------------- audit


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)">', html)]


def test_the_trail_shows_every_case_s_events_newest_first(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    response = client.get("/audit", headers=bearer(AUDITOR))
    assert response.status_code == 200
    trail = events(web_world)[:-1]  # but the page's own reading, recorded after it
    shown = seqs(response.text)
    assert shown == [e["seq"] for e in reversed(trail)][:100]
    assert len(shown) == min(100, len(trail)) and shown == sorted(shown, reverse=True)


def test_the_trail_pages_by_sequence(client: TestClient, bearer: Bearer, web_world: World) -> None:
    for _ in range(230 - len(events(web_world))):  # every reading is an event
        client.get("/audit?before=1", headers=bearer(AUDITOR))
    first = client.get("/audit", headers=bearer(AUDITOR)).text
    shown = seqs(first)
    assert len(shown) == 100
    older = re.search(r'rel="next" href="/audit\?before=(\d+)"', first)
    assert older and int(older.group(1)) == shown[-1]
    second = seqs(client.get(f"/audit?before={shown[-1]}", headers=bearer(AUDITOR)).text)
    assert second == list(range(shown[-1] - 1, shown[-1] - 101, -1))
    last = client.get("/audit?before=5", headers=bearer(AUDITOR)).text
    assert seqs(last) == [4, 3, 2, 1]
    assert 'rel="next"' not in last


def test_the_trail_filters_by_action(client: TestClient, bearer: Bearer, web_world: World) -> None:
    response = client.get("/audit?action=case.member.add", headers=bearer(AUDITOR))
    expected = [e["seq"] for e in events(web_world) if e["action"] == "case.member.add"]
    assert expected and seqs(response.text) == sorted(expected, reverse=True)
    prefix = seqs(client.get("/audit?action=authorisation.*", headers=bearer(AUDITOR)).text)
    actions = {e["seq"]: e["action"] for e in events(web_world)}
    assert prefix and all(actions[s].startswith("authorisation.") for s in prefix)


def test_the_trail_shows_details_pretty_printed_and_escaped(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"authority": "<b>Court</b> & Co", "reference": "R-<x>", "valid_until": "2099-01-01"}
    client.post(LISTING, data=form, headers=bearer(GRANTOR))
    page = client.get("/audit?action=authorisation.grant", headers=bearer(AUDITOR)).text
    assert "&#34;authority&#34;: &#34;&lt;b&gt;Court&lt;/b&gt; &amp; Co&#34;" in page
    assert '<pre class="detail">{\n  &#34;' in page  # one key a line, indented
    assert "<b>Court" not in page and "R-<x>" not in page
    event = [e for e in events(web_world) if e["action"] == "authorisation.grant"][-1]
    for cell in (event["actor"], event["host"], event["subject"]):
        assert f"<td>{cell}</td>" in page


def test_reading_the_trail_is_recorded(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    client.get("/audit?before=10&action=case.*", headers=bearer(AUDITOR))
    reading = [e for e in events(web_world) if e["action"] == "audit.show"][-1]
    assert reading["actor"] == AUDITOR
    assert reading["detail"]["before"] == 10 and reading["detail"]["action"] == "case.*"
    assert reading["detail"]["cases"] == "all"


def test_a_supervisor_reads_only_the_trail_of_their_cases(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cli(web_world, TESTER, "case", "create", "C3", "--title", "not the grantor's")
    created = [e for e in events(web_world) if e["action"] == "case.create"]
    other = next(e["seq"] for e in created if e["subject"] == "case:C3")
    own = next(e["seq"] for e in created if e["subject"] == f"case:{CASE}")
    supervisor = seqs(client.get("/audit?action=case.create", headers=bearer(GRANTOR)).text)
    auditor = seqs(client.get("/audit?action=case.create", headers=bearer(AUDITOR)).text)
    assert own in supervisor and other not in supervisor
    assert {own, other} <= set(auditor)


@pytest.mark.parametrize("query", ["before=0", "before=x", "action=" + "a" * 101])
def test_a_bad_trail_query_is_a_clear_4xx(client: TestClient, bearer: Bearer, query: str) -> None:
    response = client.get(f"/audit?{query}", headers=bearer(AUDITOR))
    assert response.status_code == 422
    assert "<tr data-seq" not in response.text


def test_the_chain_verification_shows_the_head_to_keep(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    response = client.get("/audit/verify", headers=bearer(AUDITOR))
    assert response.status_code == 200
    checked = cli_json(web_world, AUDITOR, "audit", "verify")
    assert checked["ok"] is True
    assert "The chain is intact" in response.text
    anchor = f"{checked['head_seq']}:{checked['head_digest']}"
    assert f'<code class="anchor">{anchor}</code>' in response.text
    again = client.get(f"/audit/verify?anchor={anchor}", headers=bearer(AUDITOR)).text
    assert f"it holds the anchor {anchor}" in again


def test_a_wrong_anchor_shows_the_first_bad_event(client: TestClient, bearer: Bearer) -> None:
    response = client.get(f"/audit/verify?anchor=3:{'0' * 64}", headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert "BROKEN at event 3: does not match the anchor digest" in response.text
    malformed = client.get("/audit/verify?anchor=three", headers=bearer(AUDITOR))
    assert malformed.status_code == 422  # the anchor field is invalid
    assert "anchor takes SEQ:DIGEST" in malformed.text


def test_a_tampered_trail_shows_the_first_bad_event_and_why(
    web_world: World, tmp_path: Path
) -> None:
    home = tmp_path / "ws"
    shutil.copytree(web_world.home, home)
    engine = create_engine(f"sqlite:///{home / 'genkend.sqlite'}")
    with engine.begin() as conn:  # a detail gone without an erasure event saying so
        conn.execute(text("DELETE FROM audit_details WHERE seq = 3"))
    engine.dispose()
    token = issue_token(home, AUDITOR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        workspace = open_workspace(home, {})
        try:
            with TestClient(create_app(workspace), base_url="https://testserver") as tampered:
                response = tampered.get(
                    "/audit/verify", headers={"Authorization": f"Bearer {token}"}
                )
        finally:
            workspace.close()
    assert response.status_code == 200
    assert (
        "The chain is BROKEN at event 3: its detail is missing and no erasure event accounts for it"
    ) in response.text
    assert "The chain is intact" not in response.text


def test_the_usage_report_shows_the_period_s_figures(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    client.get("/audit", headers=bearer(REVIEWER))  # refused: at least one denial
    response = client.get("/audit/usage?start=2026-01-01&end=2099-12-31", headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert "Biometric searches (1)" in response.text
    assert (
        "<td>identify victim</td>" in response.text and "<td>warrant 1/2026</td>" in response.text
    )
    assert re.search(r"Access denials \([1-9]\d*\)", response.text)
    made = [e for e in events(web_world) if e["action"] == "report.usage"][-1]
    assert (made["actor"], made["detail"]["file"]) == (AUDITOR, None)


def test_the_usage_report_without_a_period_covers_this_year(
    client: TestClient, bearer: Bearer
) -> None:
    year = datetime.now(UTC).year
    response = client.get("/audit/usage", headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert f"Period {year}-01-01T00:00:00" in response.text
    assert f'name="start" type="date" value="{year}-01-01"' in response.text


def test_a_usage_period_that_ends_before_it_starts_is_400(
    client: TestClient, bearer: Bearer
) -> None:
    response = client.get("/audit/usage?start=2099-01-01&end=2026-01-01", headers=bearer(AUDITOR))
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/audit", "/audit/verify", "/audit/usage"])
def test_a_reviewer_is_refused_the_audit_pages(
    client: TestClient, bearer: Bearer, web_world: World, path: str
) -> None:
    assert_refused(web_world, client.get(path, headers=bearer(REVIEWER)), REVIEWER)


@pytest.mark.parametrize(
    "path",
    [
        "/audit",
        "/audit?action=media.*",
        "/audit/verify",
        "/audit/usage",
        LISTING,
        f"/cases/{CASE}/members",
    ],
)
def test_the_auditor_s_pages_hold_no_imagery(client: TestClient, bearer: Bearer, path: str) -> None:
    response = client.get(path, headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert "<img" not in response.text.lower()
    assert "/thumbnail" not in response.text and "/picture" not in response.text
