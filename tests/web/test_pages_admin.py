"""The admin pages: authorisations, members, accounts and roles, audit and usage.

Each page is read as an account holding the role it needs (it must show what the store
holds) and as one without (the 403 page, and the refusal the newest ``access.denied``
event). Writes go through the forms and are checked through the CLI's ``--json``, the
same shape a script reads; bad fields are a 4xx and change nothing. The audit pages
are for auditors, who see no imagery: none of them holds an ``<img>``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genkend.cli import main

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World

Bearer = Callable[..., dict[str, str]]
AUDITOR = "aud"  # auditor only, member of no case
NEWCOMER = "newcomer"  # reviewer, member of no case: added to C1 through the form
LISTING = f"/cases/{CASE}/authorisations"


@pytest.fixture(scope="module", autouse=True)
def admin_accounts(web_world: World) -> None:
    web_world.add_account(AUDITOR, ["auditor"], member=False)
    web_world.add_account(NEWCOMER, ["reviewer"], member=False)


def cli(world: World, user: str, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", str(world.home), "--user", user, *args]) == 0, args
    return out.getvalue()


def cli_json(world: World, user: str, *args: str) -> Any:
    return json.loads(cli(world, user, *args, "--json"))


def events(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli_json(world, AUDITOR, "audit", "show")
    return found


def newest_event(world: World) -> dict[str, Any]:
    """The newest event (the CLI's reading is recorded after what it read)."""
    return events(world)[-1]


def assert_refused(world: World, response: Any, actor: str) -> None:
    assert response.status_code == 403, response.text
    assert 'class="message"' in response.text  # the error page, not the page asked for
    refusal = newest_event(world)
    assert (refusal["actor"], refusal["action"]) == (actor, "access.denied")


def authorisations(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli_json(world, TESTER, "authorisation", "list", "--case", CASE)
    return found


# ---------------------------------------------------------------- authorisations


def test_the_authorisations_page_lists_the_case_s_authorisations(
    client: TestClient, bearer: Bearer
) -> None:
    response = client.get(LISTING, headers=bearer(GRANTOR))
    assert response.status_code == 200
    for shown in ("Court X", "R-1", GRANTOR, "2099-12-31", 'name="authority"'):
        assert shown in response.text
    assert 'name="csrf_token"' in response.text


def test_an_auditor_reads_any_case_s_authorisations(client: TestClient, bearer: Bearer) -> None:
    response = client.get(LISTING, headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert "R-1" in response.text


def test_a_reviewer_is_refused_the_authorisations(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    assert_refused(web_world, client.get(LISTING, headers=bearer(REVIEWER)), REVIEWER)


def test_a_grant_through_the_form_records_the_authorisation(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"authority": "Court Z", "reference": "R-9", "valid_until": "2099-06-30"}
    response = client.post(LISTING, data=form, headers=bearer(GRANTOR), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == LISTING
    (made,) = [a for a in authorisations(web_world) if a["reference"] == "R-9"]
    assert (made["authority"], made["recorded_by"], made["status"]) == (
        "Court Z",
        GRANTOR,
        "granted",
    )
    assert made["valid_until"].startswith("2099-06-30")
    assert "R-9" in client.get(LISTING, headers=bearer(GRANTOR)).text


def test_a_grant_by_a_reviewer_is_refused_and_records_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = authorisations(web_world)
    form = {"authority": "Court R", "reference": "R-rev", "valid_until": "2099-06-30"}
    assert_refused(web_world, client.post(LISTING, data=form, headers=bearer(REVIEWER)), REVIEWER)
    assert authorisations(web_world) == before


@pytest.mark.parametrize(
    "form",
    [
        {"authority": "Court B", "reference": "R-bad", "valid_until": "next spring"},
        {"authority": "Court B", "reference": "R-bad"},
        {"authority": "x" * 501, "reference": "R-bad", "valid_until": "2099-06-30"},
    ],
)
def test_a_bad_grant_is_a_clear_4xx_and_records_nothing(
    client: TestClient, bearer: Bearer, web_world: World, form: dict[str, str]
) -> None:
    before = authorisations(web_world)
    response = client.post(LISTING, data=form, headers=bearer(GRANTOR))
    assert 400 <= response.status_code < 500
    assert 'class="message"' in response.text
    assert authorisations(web_world) == before


def test_refusing_through_the_form_records_the_refusal(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"authority": "Court Q", "reference": "R-refuse", "valid_until": "2099-06-30"}
    client.post(LISTING, data=form, headers=bearer(GRANTOR))
    (made,) = [a for a in authorisations(web_world) if a["reference"] == "R-refuse"]
    response = client.post(
        f"{LISTING}/{made['id']}/refuse",
        data={"note": "the court withdrew it"},
        headers=bearer(GRANTOR),
        follow_redirects=False,
    )
    assert response.status_code == 303
    (refused,) = [a for a in authorisations(web_world) if a["id"] == made["id"]]
    assert (refused["status"], refused["note"]) == ("refused", "the court withdrew it")


def test_an_authorisation_of_another_case_is_not_found_under_this_one(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cli(web_world, TESTER, "case", "create", "C2", "--title", "another")
    auth_id = web_world.ids["authorisation"]
    response = client.post(
        f"/cases/C2/authorisations/{auth_id}/refuse",
        data={"note": "wrong case"},
        headers=bearer(TESTER),
    )
    assert response.status_code == 404
    (kept,) = [a for a in authorisations(web_world) if a["id"] == auth_id]
    assert kept["status"] == "granted"
    unknown = client.post(f"{LISTING}/99999/refuse", data={"note": "x"}, headers=bearer(GRANTOR))
    assert unknown.status_code == 404


# ---------------------------------------------------------------- members


def members(world: World) -> list[str]:
    return [m["account"] for m in cli_json(world, TESTER, "case", "member", "list", CASE)]


def test_the_members_page_lists_the_members(client: TestClient, bearer: Bearer) -> None:
    response = client.get(f"/cases/{CASE}/members", headers=bearer(TESTER))
    assert response.status_code == 200
    for name in (TESTER, GRANTOR, REVIEWER):
        assert f"<td>{name}</td>" in response.text
    assert NEWCOMER not in response.text


def test_members_are_added_and_removed_through_the_forms(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    url = f"/cases/{CASE}/members"
    added = client.post(
        url, data={"account": NEWCOMER}, headers=bearer(GRANTOR), follow_redirects=False
    )
    assert (added.status_code, added.headers["location"]) == (303, url)
    assert NEWCOMER in members(web_world)
    removed = client.post(
        f"{url}/remove", data={"account": NEWCOMER}, headers=bearer(GRANTOR), follow_redirects=False
    )
    assert removed.status_code == 303
    assert NEWCOMER not in members(web_world)


def test_a_reviewer_may_not_change_the_members(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    url = f"/cases/{CASE}/members"
    before = members(web_world)
    refused = client.post(url, data={"account": NEWCOMER}, headers=bearer(REVIEWER))
    assert_refused(web_world, refused, REVIEWER)
    refused = client.post(f"{url}/remove", data={"account": GRANTOR}, headers=bearer(REVIEWER))
    assert_refused(web_world, refused, REVIEWER)
    assert_refused(web_world, client.get(url, headers=bearer(REVIEWER)), REVIEWER)
    assert members(web_world) == before


def test_adding_an_unknown_account_is_404_and_changes_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = members(web_world)
    url = f"/cases/{CASE}/members"
    response = client.post(url, data={"account": "nobody"}, headers=bearer(GRANTOR))
    assert response.status_code == 404
    assert members(web_world) == before


# ---------------------------------------------------------------- accounts


def accounts(world: World) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in cli_json(world, TESTER, "user", "list")}


def test_the_accounts_page_shows_accounts_roles_and_state(
    client: TestClient, bearer: Bearer
) -> None:
    response = client.get("/accounts", headers=bearer(TESTER))
    assert response.status_code == 200
    assert re.search(rf"<td>{GRANTOR}</td>\s*<td>supervisor</td>\s*<td>enabled</td>", response.text)
    assert f"<td>{AUDITOR}</td>" in response.text
    assert "genkend user password NAME" in response.text
    assert 'type="password"' not in response.text


def test_a_reviewer_is_refused_the_accounts_page(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    assert_refused(web_world, client.get("/accounts", headers=bearer(REVIEWER)), REVIEWER)


def test_an_admin_adds_and_disables_an_account_through_the_forms(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"name": "carol", "roles": ["reviewer", "investigator"]}
    added = client.post("/accounts", data=form, headers=bearer(TESTER), follow_redirects=False)
    assert (added.status_code, added.headers["location"]) == (303, "/accounts")
    carol = accounts(web_world)["carol"]
    assert (carol["roles"], carol["enabled"], carol["created_by"]) == (
        ["investigator", "reviewer"],
        True,
        TESTER,
    )
    disabled = client.post(
        "/accounts/carol/disable", headers=bearer(TESTER), follow_redirects=False
    )
    assert disabled.status_code == 303
    assert accounts(web_world)["carol"]["enabled"] is False
    assert re.search(
        r"<td>carol</td>\s*<td>[^<]*</td>\s*<td><span[^>]*>disabled",
        client.get("/accounts", headers=bearer(TESTER)).text,
    )


@pytest.mark.parametrize(
    "form",
    [
        {"name": "dave", "roles": ["wizard"]},
        {"name": "dave"},
        {"name": "da/ve", "roles": ["reviewer"]},
        {"name": REVIEWER, "roles": ["reviewer"]},
    ],
)
def test_a_bad_account_is_a_clear_4xx_and_adds_nothing(
    client: TestClient, bearer: Bearer, web_world: World, form: dict[str, Any]
) -> None:
    before = accounts(web_world)
    response = client.post("/accounts", data=form, headers=bearer(TESTER))
    assert 400 <= response.status_code < 500
    assert 'class="message"' in response.text
    assert accounts(web_world) == before


def test_a_reviewer_may_not_add_or_disable_accounts(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = accounts(web_world)
    form = {"name": "eve", "roles": ["admin"]}
    assert_refused(
        web_world, client.post("/accounts", data=form, headers=bearer(REVIEWER)), REVIEWER
    )
    refused = client.post(f"/accounts/{GRANTOR}/disable", headers=bearer(REVIEWER))
    assert_refused(web_world, refused, REVIEWER)
    assert accounts(web_world) == before


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
    assert malformed.status_code == 400


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
    "path", ["/audit", "/audit?action=media.*", "/audit/verify", "/audit/usage", LISTING]
)
def test_the_auditor_s_pages_hold_no_imagery(client: TestClient, bearer: Bearer, path: str) -> None:
    response = client.get(path, headers=bearer(AUDITOR))
    assert response.status_code == 200
    assert "<img" not in response.text.lower()
    assert "/thumbnail" not in response.text and "/picture" not in response.text
