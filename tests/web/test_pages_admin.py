"""The admin pages: authorisations, members, accounts and roles, audit and usage.

Each page is read as an account holding the role it needs (it must show what the store
holds) and as one without (the 403 page, and the refusal the newest ``access.denied``
event). Writes go through the forms and are checked through the CLI's ``--json``, the
same shape a script reads; bad fields are a 4xx and change nothing. The audit pages
are for auditors, who see no imagery: none of them holds an ``<img>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from genkend.cli import main
from genkend.web import create_app
from genkend.workspace import open_workspace

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import issue_token, set_password

Bearer = Callable[..., dict[str, str]]
AUDITOR = "aud"  # auditor only, member of no case
NEWCOMER = "newcomer"  # reviewer, member of no case: added to C1 through the form
LISTING = f"/cases/{CASE}/authorisations"
# Passwords for the cookie tests. The module's sign-ins share one client address and its
# web_sign_in_attempts_per_minute (10): five failures here and four sign-ins below.
PASSWORD = "correct horse battery staple"


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


def test_an_account_locked_after_failed_sign_ins_shows_as_locked(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    set_password(web_world.home, NEWCOMER, PASSWORD)
    row = re.compile(rf'<tr data-account="{NEWCOMER}">.*?</tr>', re.S)
    before = row.search(_accounts_page(client, bearer))
    assert before and "<td>enabled</td>" in before.group(0)
    wrong = {"username": NEWCOMER, "password": "not the password at all"}
    for _ in range(5):  # web_lockout_failures: five in a row lock the account
        assert client.post("/api/v1/login", json=wrong).status_code == 401
    locked = [e for e in events(web_world) if e["action"] == "auth.locked"][-1]
    assert locked["subject"] == f"account:{NEWCOMER}"
    after = row.search(_accounts_page(client, bearer))
    assert after and f"locked until {locked['detail']['until']}" in after.group(0)


def _accounts_page(client: TestClient, bearer: Bearer) -> str:
    response = client.get("/accounts", headers=bearer(TESTER))
    assert response.status_code == 200
    return response.text


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


# ---------------------------------------------------------------- signed in with the cookie

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(client: TestClient, world: World, name: str) -> None:
    set_password(world.home, name, PASSWORD)
    response = client.post("/api/v1/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text


def _grants(world: World) -> list[str]:
    return [a["reference"] for a in authorisations(world)]


# (who, the page whose form is sent back to the same address, the form, the state it changes)
FORMS: list[tuple[str, str, dict[str, Any], Callable[[World], Any]]] = [
    (
        GRANTOR,
        LISTING,
        {"authority": "Court C", "reference": "R-csrf", "valid_until": "2099-02-02"},
        _grants,
    ),
    (GRANTOR, f"/cases/{CASE}/members", {"account": NEWCOMER}, members),
    (TESTER, "/accounts", {"name": "mallory", "roles": ["admin"]}, accounts),
    (
        TESTER,
        f"/accounts/{TESTER}/tokens",
        {"label": "csrf", "days": "7"},
        lambda w: tokens(w, TESTER),
    ),
]


@pytest.mark.parametrize(
    ("name", "url", "form", "state"), FORMS, ids=["grant", "member", "account", "token"]
)
def test_a_signed_in_form_needs_the_page_s_csrf_token(
    client: TestClient,
    web_world: World,
    name: str,
    url: str,
    form: dict[str, Any],
    state: Callable[[World], Any],
) -> None:
    _signed_in(client, web_world, name)
    page = client.get(url)
    assert page.status_code == 200
    found = CSRF_FIELD.search(page.text)
    assert found
    before = state(web_world)
    for sent in ({}, {"csrf_token": "forged"}):
        forged = client.post(url, data={**form, **sent}, follow_redirects=False)
        assert forged.status_code == 403
        assert "did not come from a genkend page" in forged.text
        assert state(web_world) == before
    made = client.post(url, data={**form, "csrf_token": found.group(1)}, follow_redirects=False)
    assert made.status_code in (200, 303)
    assert state(web_world) != before


# ---------------------------------------------------------------- API tokens


def tokens(world: World, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli_json(world, name, "user", "tokens", name)
    return found


def issue_on_the_page(client: TestClient, headers: dict[str, str], name: str, label: str) -> Any:
    form = {"label": label, "days": "7"}
    return client.post(f"/accounts/{name}/tokens", data=form, headers=headers)


def test_a_token_issued_on_the_page_works_and_is_shown_only_there(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    response = issue_on_the_page(client, bearer(TESTER), TESTER, "page script")
    assert response.status_code == 200
    found = re.search(r'<code class="token-once" id="new-token">(gk_[\w-]+)</code>', response.text)
    assert found, response.text
    token = found.group(1)
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert digest not in response.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, me.json()["name"]) == (200, TESTER)
    listing = client.get(f"/accounts/{TESTER}/tokens", headers=bearer(TESTER)).text
    assert "page script" in listing
    assert token not in listing and digest not in listing
    (made,) = [t for t in tokens(web_world, TESTER) if t["label"] == "page script"]
    assert made["expires_at"] and made["revoked_at"] is None
    issued = [e for e in events(web_world) if e["action"] == "account.token"][-1]
    assert token not in json.dumps(issued) and digest not in json.dumps(issued)


def test_a_token_revoked_on_the_page_no_longer_signs_in(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    page = issue_on_the_page(client, bearer(TESTER), TESTER, "to revoke").text
    token = re.search(r'id="new-token">(gk_[\w-]+)<', page)
    assert token
    (made,) = [t for t in tokens(web_world, TESTER) if t["label"] == "to revoke"]
    revoked = client.post(
        f"/accounts/{TESTER}/tokens/{made['id']}/revoke",
        headers=bearer(TESTER),
        follow_redirects=False,
    )
    assert (revoked.status_code, revoked.headers["location"]) == (303, f"/accounts/{TESTER}/tokens")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 401
    (after,) = [t for t in tokens(web_world, TESTER) if t["id"] == made["id"]]
    assert after["revoked_at"]
    listing = client.get(f"/accounts/{TESTER}/tokens", headers=bearer(TESTER)).text
    assert re.search(rf'<tr data-token="{made["id"]}">.*?revoked', listing, re.S)


def test_an_admin_issues_tokens_only_for_accounts_in_no_case(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = tokens(web_world, REVIEWER)
    refused = issue_on_the_page(client, bearer(TESTER), REVIEWER, "not mine")
    assert_refused(web_world, refused, TESTER)
    assert tokens(web_world, REVIEWER) == before
    allowed = issue_on_the_page(client, bearer(TESTER), AUDITOR, "auditor's script")
    assert allowed.status_code == 200 and 'id="new-token">gk_' in allowed.text


def test_another_account_s_tokens_are_refused_to_a_reviewer(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    url = f"/accounts/{TESTER}/tokens"
    assert_refused(web_world, client.get(url, headers=bearer(REVIEWER)), REVIEWER)
    (live, *_) = [t for t in tokens(web_world, TESTER) if t["revoked_at"] is None]
    refused = client.post(f"{url}/{live['id']}/revoke", headers=bearer(REVIEWER))
    assert_refused(web_world, refused, REVIEWER)
    (kept,) = [t for t in tokens(web_world, TESTER) if t["id"] == live["id"]]
    assert kept["revoked_at"] is None


@pytest.mark.parametrize("form", [{"label": "x", "days": "0"}, {"label": ""}, {"days": "7"}])
def test_a_bad_token_request_is_a_clear_4xx_and_issues_nothing(
    client: TestClient, bearer: Bearer, web_world: World, form: dict[str, str]
) -> None:
    before = tokens(web_world, TESTER)
    response = client.post(f"/accounts/{TESTER}/tokens", data=form, headers=bearer(TESTER))
    assert response.status_code == 422
    assert "gk_" not in response.text
    assert tokens(web_world, TESTER) == before


# ---------------------------------------------------------------- second factor


def test_an_admin_requires_a_second_factor_of_a_role_and_stops(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"role": "auditor", "required": "true"}
    on = client.post("/accounts/mfa", data=form, headers=bearer(TESTER), follow_redirects=False)
    assert (on.status_code, on.headers["location"]) == (303, "/accounts")
    page = client.get("/accounts", headers=bearer(TESTER)).text
    assert re.search(r'<tr data-role="auditor">\s*<td>auditor</td>\s*<td>required</td>', page)
    assert re.search(rf'<tr data-account="{AUDITOR}">.*?required, not enrolled', page, re.S)
    event = events(web_world)[-1]
    assert (event["actor"], event["action"], event["subject"]) == (
        TESTER,
        "auth.mfa.require",
        "role:auditor",
    )
    form["required"] = "false"
    client.post("/accounts/mfa", data=form, headers=bearer(TESTER))
    page = client.get("/accounts", headers=bearer(TESTER)).text
    assert re.search(r'<tr data-role="auditor">\s*<td>auditor</td>\s*<td>not required</td>', page)
    assert events(web_world)[-1]["action"] == "auth.mfa.release"


def test_a_second_factor_toggle_by_a_reviewer_or_for_no_role_changes_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    form = {"role": "reviewer", "required": "true"}
    assert_refused(
        web_world, client.post("/accounts/mfa", data=form, headers=bearer(REVIEWER)), REVIEWER
    )
    unknown = client.post(
        "/accounts/mfa", data={"role": "wizard", "required": "true"}, headers=bearer(TESTER)
    )
    assert unknown.status_code == 422
    page = client.get("/accounts", headers=bearer(TESTER)).text
    assert re.search(r'<tr data-role="reviewer">\s*<td>reviewer</td>\s*<td>not required</td>', page)


def enrolled_secret(html: str) -> str:
    found = re.search(r'<code class="token-once" id="otpauth-uri">([^<]+)</code>', html)
    assert found, html
    uri = unescape(found.group(1))
    assert uri.startswith(f"otpauth://totp/genkend:{REVIEWER}?")
    secret: str = pyotp.parse_uri(uri).secret
    return secret


def test_the_caller_enrols_and_confirms_a_second_factor(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    shown = client.get("/account/totp", headers=bearer(REVIEWER))
    assert shown.status_code == 200 and "Signed in as <strong>rev</strong>" in shown.text
    assert f'href="/accounts/{REVIEWER}/tokens"' in shown.text
    own = client.get(f"/accounts/{REVIEWER}/tokens", headers=bearer(REVIEWER))
    assert own.status_code == 200 and "API tokens <small>rev</small>" in own.text
    assert "otpauth://" not in shown.text
    enrolled = client.post("/account/totp", headers=bearer(REVIEWER))
    assert enrolled.status_code == 200
    totp = pyotp.TOTP(enrolled_secret(enrolled.text))
    stale = totp.at(time.time() - 3600)
    wrong = client.post("/account/totp/confirm", data={"code": stale}, headers=bearer(REVIEWER))
    assert wrong.status_code == 422
    assert events(web_world)[-1]["action"] == "auth.totp.enrol"
    code = totp.now()
    confirmed = client.post(
        "/account/totp/confirm",
        data={"code": code},
        headers=bearer(REVIEWER),
        follow_redirects=False,
    )
    assert (confirmed.status_code, confirmed.headers["location"]) == (
        303,
        "/account/totp?confirmed=1",
    )
    event = events(web_world)[-1]
    assert (event["actor"], event["action"]) == (REVIEWER, "auth.totp.confirm")
    page = client.get("/accounts", headers=bearer(TESTER)).text
    assert re.search(rf'<tr data-account="{REVIEWER}">.*?<td>confirmed</td>', page, re.S)
    assert "otpauth://" not in page


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567"])
def test_a_malformed_code_is_422(client: TestClient, bearer: Bearer, code: str) -> None:
    response = client.post("/account/totp/confirm", data={"code": code}, headers=bearer(AUDITOR))
    assert response.status_code == 422
