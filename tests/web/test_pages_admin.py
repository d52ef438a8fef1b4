"""The admin pages: authorisations, members, accounts and roles (the audit pages:
test_pages_audit.py; API tokens and the second factor: test_pages_credentials.py).

Each page is read as an account holding the role it needs (it must show what the store
holds) and as one without (the 403 page, and the refusal the newest ``access.denied``
event). Writes go through the forms and are checked through the CLI's ``--json``, the
same shape a script reads; bad fields are a 4xx and change nothing. Signed in with the
cookie, a form needs its page's CSRF token. The helpers here serve the other two
modules too.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genkend.cli import main

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import set_password

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


# ---------------------------------------------------------------- signed in with the cookie


def tokens(world: World, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli_json(world, name, "user", "tokens", name)
    return found


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
