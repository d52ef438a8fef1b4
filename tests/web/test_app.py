"""The application's frame: security headers, authentication, errors, limits."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from genkend.web.app import keep_temporary_files_in
from genkend.web.security import CSP

from ..services.world import CASE
from .conftest import OUTSIDER

Bearer = Callable[..., dict[str, str]]


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/login"), client.get("/api/v1/cases"), client.get("/nowhere")):
        assert response.headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"


def test_static_assets_are_served_locally(client: TestClient) -> None:
    page = client.get("/login").text
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    for asset in ("/static/htmx.min.js", "/static/genkend.js", "/static/genkend.css"):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["x-content-type-options"] == "nosniff"


def test_no_inline_script_in_pages(client: TestClient) -> None:
    page = client.get("/login").text
    assert "<script>" not in page and " on" + "click=" not in page
    assert all('src="/static/' in tag for tag in page.split("<script")[1:])


def test_without_credentials_the_api_answers_401(client: TestClient) -> None:
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["kind"] == "sign_in_required"


def test_a_page_without_a_session_shows_the_sign_in_form_with_401(client: TestClient) -> None:
    response = client.get("/cases")
    assert response.status_code == 401
    assert 'action="/login"' in response.text


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer gk_nonsense"})
    assert response.status_code == 401
    basic = client.get("/api/v1/cases", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_a_token_signs_the_account_in(client: TestClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/me", headers=bearer())
    assert response.status_code == 200
    assert "investigator" in response.json()["roles"]
    assert [c["id"] for c in client.get("/api/v1/cases", headers=bearer()).json()] == [CASE]


def test_a_non_member_is_refused_the_case_and_the_refusal_is_audited(
    client: TestClient, bearer: Bearer
) -> None:
    response = client.get(f"/api/v1/cases/{CASE}", headers=bearer(OUTSIDER))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == f"{OUTSIDER} is not a member of case {CASE}"
    events = client.get("/api/v1/audit/events", headers=bearer()).json()
    denied = [e for e in events if (e["actor"], e["action"]) == (OUTSIDER, "access.denied")]
    assert denied and denied[-1]["subject"] == f"case:{CASE}"
    assert "not a member" in denied[-1]["detail"]["reason"]


def test_an_unknown_case_is_404(client: TestClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/cases/NO-SUCH", headers=bearer())
    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not_found"


def test_an_oversized_body_is_413_before_it_is_read(client: TestClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/cases", headers=bearer(), content=b"x" * (2 << 20))
    assert response.status_code == 413


def test_the_server_keeps_spooled_uploads_inside_the_workspace(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", None)
    workspace = app.state.workspace
    keep_temporary_files_in(workspace)
    # What Starlette does with an uploaded part over 1 MiB: a spooled file rolled over.
    with tempfile.SpooledTemporaryFile(max_size=1024) as spooled:
        spooled.write(b"x" * 4096)
        # The rolled-over file is anonymous: where it lies, the process's descriptor says.
        where = os.readlink(f"/proc/self/fd/{spooled.fileno()}")
        assert where.startswith(f"{workspace.spool_dir}{os.sep}"), where
