"""API tokens and the second factor on the pages.

A token issued on the page works as a bearer token, is shown on the answering page only
and its digest never; revoked, it signs nothing in. An admin toggles the second factor
per role; the caller enrols a TOTP key (its otpauth URI as text) and confirms it with
a code. Wrong roles get the 403 page and an ``access.denied`` event; bad fields 422.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from html import unescape
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from ..services.world import REVIEWER, TESTER, World
from .test_pages_admin import (
    AUDITOR,
    Bearer,
    admin_accounts,  # noqa: F401  (autouse: the accounts of this module's world)
    assert_refused,
    events,
    tokens,
)

# ---------------------------------------------------------------- API tokens


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
