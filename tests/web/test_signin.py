"""Signing in: passwords, the session cookie, CSRF, lockout, throttle, sign-out."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from genkend.web import create_app
from genkend.web.auth import SESSION_COOKIE
from genkend.workspace import open_workspace

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import set_password

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", autouse=True)
def passwords(web_world: World) -> None:
    for name in (TESTER, GRANTOR, REVIEWER):
        set_password(web_world.home, name, PASSWORD)


def _login(client: TestClient, name: str = TESTER, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _events(world: World, action: str) -> list[dict[str, object]]:
    engine = create_engine(f"sqlite:///{world.home / 'genkend.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.actor, e.host, d.detail FROM audit_events e "
                "LEFT JOIN audit_details d ON d.seq = e.seq WHERE e.action = :a ORDER BY e.seq"
            ),
            {"a": action},
        ).all()
    engine.dispose()
    return [{"actor": r.actor, "host": r.host, **json.loads(r.detail or "{}")} for r in rows]


def _presenting(client: TestClient, cookie: str) -> TestClient:
    """Another client (a thief's) that presents ``cookie`` as the session cookie."""
    return TestClient(client.app, base_url="https://testserver", cookies={SESSION_COOKIE: cookie})


def test_sign_in_sets_a_secure_http_only_strict_cookie(client: TestClient) -> None:
    response = client.post("/api/v1/login", json={"username": TESTER, "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("httponly", "secure", "samesite=strict", "path=/", "max-age="):
        assert flag in cookie, flag
    assert response.json()["account"] == TESTER
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["name"] == TESTER


def test_the_sign_in_is_audited_with_the_client_address(
    client: TestClient, web_world: World
) -> None:
    _login(client)
    assert _events(web_world, "auth.login")[-1]["host"] == "web testclient"


def test_a_wrong_password_is_401_with_a_generic_message(client: TestClient) -> None:
    for name in (TESTER, "nobody-here"):
        response = client.post("/api/v1/login", json={"username": name, "password": "wrong" * 3})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "wrong user name, password or code"
    assert client.get("/api/v1/me").status_code == 401


def test_malformed_sign_in_bodies_are_422_or_415_never_500(client: TestClient) -> None:
    bad = [
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"json": {"username": TESTER}},
        {"json": {"username": "x" * 500, "password": "p"}},
        {"json": ["a", "list"]},
    ]
    for kwargs in bad:
        response = client.post("/api/v1/login", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 422, (kwargs, response.text)


def test_a_state_change_with_the_cookie_needs_the_csrf_token(client: TestClient) -> None:
    signed = _login(client, GRANTOR)
    refused = client.post("/api/v1/logout")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    assert client.post("/api/v1/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in: nothing changed
    allowed = client.post("/api/v1/logout", headers={"X-CSRF-Token": signed["csrf_token"]})
    assert allowed.status_code == 204


def test_each_sign_in_rotates_the_session(client: TestClient) -> None:
    _login(client)
    first = client.cookies[SESSION_COOKIE]
    _login(client)
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert _presenting(client, second).get("/api/v1/me").status_code == 200
    assert _presenting(client, first).get("/api/v1/me").status_code == 401  # ended by the second


def test_a_cookie_after_sign_out_is_refused(client: TestClient) -> None:
    signed = _login(client)
    cookie = client.cookies[SESSION_COOKIE]
    out = client.post("/api/v1/logout", headers={"X-CSRF-Token": signed["csrf_token"]})
    assert out.status_code == 204
    stolen = _presenting(client, cookie)
    assert stolen.get("/api/v1/me").status_code == 401
    assert stolen.get("/cases").status_code == 401


def test_repeated_failures_lock_the_account_and_are_audited(
    client: TestClient, web_world: World
) -> None:
    for _ in range(5):
        client.post("/api/v1/login", json={"username": REVIEWER, "password": "not it at all"})
    locked = client.post("/api/v1/login", json={"username": REVIEWER, "password": PASSWORD})
    assert locked.status_code == 401
    assert "locked" in locked.json()["error"]["message"]
    assert [e["actor"] for e in _events(web_world, "auth.locked")] == [REVIEWER]
    failures = _events(web_world, "auth.login.failed")
    assert sum(e["actor"] == REVIEWER for e in failures) >= 5
    assert all(PASSWORD not in json.dumps(e) for e in failures)


def test_the_sign_in_form_signs_in_and_out(client: TestClient) -> None:
    form = client.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    fields = {"username": GRANTOR, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=fields, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    page = client.get("/cases")
    assert page.status_code == 200 and CASE in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/cases").status_code == 401


def test_the_sign_in_form_refuses_a_post_without_its_token(client: TestClient) -> None:
    fields = {"username": GRANTOR, "password": PASSWORD, "csrf_token": "made-up"}
    response = client.post("/login", data=fields, follow_redirects=False)
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_wrong_password_on_the_form_shows_the_message(client: TestClient) -> None:
    form = client.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    fields = {"username": GRANTOR, "password": "nope nope nope", "csrf_token": token}
    response = client.post("/login", data=fields)
    assert response.status_code == 401
    assert "wrong user name, password or code" in response.text


@pytest.fixture
def throttled(web_world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("GENKEND_WEB_SIGN_IN_ATTEMPTS_PER_MINUTE", "3")
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    workspace = open_workspace(web_world.home, {})
    yield create_app(workspace)
    workspace.close()


def test_sign_in_floods_from_one_address_get_429(throttled: FastAPI) -> None:
    client = TestClient(throttled, base_url="https://testserver")
    codes = [
        client.post("/api/v1/login", json={"username": f"u{i}", "password": "x"}).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    response = client.post("/api/v1/login", json={"username": TESTER, "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
