"""The JSON API, area by area: what each route answers to the right account (the same
shape as the CLI's ``--json`` for the same call), to the wrong role (403 and an audited
``access.denied``), to a bad field (422 naming it), to malformed or oversized bodies.

The refusals are read back through the API's own audit trail (``/audit/events``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from genkend.cli import main
from genkend.faces import gallery
from genkend.governance import access
from genkend.hashes import grid
from genkend.review import double_review
from genkend.web import api
from genkend.web.api import models
from genkend.web.security import Hardening

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import issue_token

Bearer = Callable[..., dict[str, str]]
AUDITOR = "aud"  # auditor, member of C1: oversight, no case content
WHY = {"purpose": "identify victim", "legal_basis": "warrant 1/2026"}
CLI_WHY = ["--purpose", WHY["purpose"], "--legal-basis", WHY["legal_basis"]]


@pytest.fixture(scope="module", autouse=True)
def auditor(web_world: World) -> str:
    web_world.add_account(AUDITOR, ["auditor"], member=True)
    return AUDITOR


def cli_json(world: World, user: str, *args: str) -> Any:
    """What ``genkend ... --json`` prints for the same call, parsed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", str(world.home), "--user", user, *args, "--json"]) == 0, args
    return json.loads(out.getvalue())


def newest_denial(client: TestClient, bearer: Bearer) -> dict[str, Any]:
    found = client.get("/api/v1/audit/events?action=access.denied", headers=bearer())
    assert found.status_code == 200
    return dict(found.json()[-1])


def _same_as_cli(world: World) -> list[tuple[str, str, list[str]]]:
    media, candidate = str(world.ids["media"]), str(world.ids["candidate"])
    return [
        (TESTER, "/cases", ["case", "list"]),
        (TESTER, f"/cases/{CASE}", ["case", "show", CASE]),
        (TESTER, f"/cases/{CASE}/members", ["case", "member", "list", CASE]),
        (TESTER, f"/cases/{CASE}/media/{media}", ["media", "show", media]),
        (TESTER, f"/cases/{CASE}/faces", ["faces", "list", "--case", CASE]),
        (TESTER, f"/cases/{CASE}/clusters", ["clusters", "list", "--case", CASE]),
        (
            TESTER,
            f"/cases/{CASE}/gallery?purpose=identify victim&legal_basis=warrant 1/2026",
            ["gallery", "list", "--case", CASE, *CLI_WHY],
        ),
        (REVIEWER, f"/cases/{CASE}/candidates", ["review", "list", "--case", CASE]),
        (TESTER, f"/cases/{CASE}/disputes", ["review", "list", "--case", CASE, "--disputed"]),
        (REVIEWER, f"/cases/{CASE}/candidates/{candidate}", ["review", "show", candidate]),
        (TESTER, f"/cases/{CASE}/authorisations", ["authorisation", "list", "--case", CASE]),
        (TESTER, "/accounts", ["user", "list"]),
        (TESTER, "/audit/events?action=case.create", ["audit", "show", "--action", "case.create"]),
        (TESTER, "/audit/verify", ["audit", "verify"]),
    ]


def test_each_read_answers_what_the_cli_prints(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    for user, path, args in _same_as_cli(web_world):
        response = client.get(f"/api/v1{path}", headers=bearer(user))
        assert response.status_code == 200, (path, response.text)
        printed = cli_json(web_world, user, *args)
        assert response.json() == printed, path
        assert printed or path.endswith("/disputes"), f"{path}: the world has something to show"


def test_the_grid_pages_through_every_media_item_once(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    listed = cli_json(web_world, TESTER, "media", "list", "--case", CASE)
    seen: list[dict[str, Any]] = []
    after: int | None = None
    for _ in range(len(listed) + 1):
        query = {"limit": 1} | ({} if after is None else {"after": after})
        page = client.get(f"/api/v1/cases/{CASE}/media", headers=bearer(), params=query)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        after = page.json()["next_after"]
        if after is None:
            break
    assert [m["id"] for m in seen] == sorted(m["id"] for m in listed)
    by_id = {m["id"]: m for m in listed}
    for item in seen:
        full = by_id[item["id"]]
        assert (item["status"], item["mime"], item["size"]) == (
            full["status"],
            full["mime"],
            full["size"],
        )
    faced = client.get(f"/api/v1/cases/{CASE}/media?filter=has_faces", headers=bearer()).json()
    assert faced["next_after"] is None and all(i["faces"] > 0 for i in faced["items"])
    assert {i["id"] for i in faced["items"]} == {m["id"] for m in listed}  # both have faces


def test_the_usage_report_is_the_cli_report(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    response = client.get("/api/v1/reports/usage?start=2026-01-01&end=2099-12-31", headers=bearer())
    assert response.status_code == 200
    printed = cli_json(
        web_world, TESTER, "report", "usage", "--from", "2026-01-01", "--to", "2099-12-31"
    )
    shown = response.json()
    assert shown.pop("generated_at") and printed.pop("generated_at")
    # Each report is itself an audit event: the CLI's, made second, saw one more.
    assert shown.pop("audit_chain")["head_seq"] + 1 == printed.pop("audit_chain")["head_seq"]
    assert shown == printed
    assert [s["purpose"] for s in shown["searches"]] == [WHY["purpose"]]


def test_a_face_search_answers_what_the_cli_prints_and_leaves_no_file(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    probe = web_world.files / "probe.png"
    spool = web_world.home / "spool"
    before = set(spool.iterdir()) if spool.exists() else set()
    response = client.post(
        f"/api/v1/cases/{CASE}/search/face",
        headers=bearer(),
        data={**WHY, "k": "5"},
        files={"image": ("probe.png", probe.read_bytes(), "image/png")},
    )
    assert response.status_code == 200, response.text
    args = ["--image", str(probe), "--case", CASE, *CLI_WHY, "--k", "5"]
    printed = cli_json(web_world, TESTER, "search", "face", *args)
    shown = response.json()
    varying = ("started_at", "ended_at", "audit_seq")
    assert {k: v for k, v in shown.items() if k not in varying} == {
        k: v for k, v in printed.items() if k not in varying
    }
    assert shown["candidates"] and shown["kind"] == "search.case"
    assert shown["audit_seq"] < printed["audit_seq"]
    assert set(spool.iterdir()) == before  # the uploaded probe was removed


def test_a_probe_that_is_no_picture_or_has_no_face_is_refused_and_removed(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    spool = web_world.home / "spool"
    blank = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 190)).save(blank, "PNG")
    for name, data in (("noise.png", b"not a picture at all"), ("blank.png", blank.getvalue())):
        response = client.post(
            f"/api/v1/cases/{CASE}/search/face",
            headers=bearer(),
            data=WHY,
            files={"image": (name, data, "image/png")},
        )
        assert response.status_code == 400, response.text
        assert not [p for p in spool.iterdir() if p.name.startswith("web-probe-")]
    searched = client.get("/api/v1/audit/events?action=search.case", headers=bearer()).json()
    probe = searched[-1]["detail"]["input"]  # the faceless probe's search is audited
    assert probe["faces_in_probe"] == 0 and probe["file"].startswith(str(spool))
    assert probe["sha256"] == hashlib.sha256(blank.getvalue()).hexdigest()


REFUSED: list[tuple[str, str, str, dict[str, Any]]] = [
    # (account, method, path, body): an account that lacks the role the use case needs
    (REVIEWER, "POST", "/cases", {"new_case_id": "R1", "title": "t"}),
    (REVIEWER, "GET", f"/cases/{CASE}/members", {}),
    (AUDITOR, "GET", f"/cases/{CASE}/media", {}),
    (AUDITOR, "GET", f"/cases/{CASE}/faces", {}),
    (AUDITOR, "GET", f"/cases/{CASE}/clusters", {}),
    (AUDITOR, "GET", f"/cases/{CASE}/media/1", {}),
    (REVIEWER, "POST", f"/cases/{CASE}/clusters/merge", {"keep": 1, "other": 2}),
    (REVIEWER, "POST", f"/cases/{CASE}/clusters/1/name", {"label": "Child A"}),
    (REVIEWER, "POST", f"/cases/{CASE}/clusters/1/promote", {"label": "Child A"}),
    (GRANTOR, "GET", f"/cases/{CASE}/candidates", {}),
    (REVIEWER, "GET", f"/cases/{CASE}/disputes", {}),
    (REVIEWER, "GET", f"/cases/{CASE}/authorisations", {}),
    (
        REVIEWER,
        "POST",
        f"/cases/{CASE}/authorisations",
        {"authority": "C", "reference": "R", "valid_until": "2099-01-01"},
    ),
    (REVIEWER, "POST", f"/cases/{CASE}/authorisations/1/refuse", {"note": "no"}),
    (REVIEWER, "POST", "/accounts", {"name": "newbie", "roles": ["reviewer"]}),
    (GRANTOR, "POST", f"/accounts/{REVIEWER}/disable", {}),
    (REVIEWER, "GET", "/audit/verify", {}),
    (REVIEWER, "GET", "/audit/events", {}),
    (REVIEWER, "GET", "/reports/usage?start=2026-01-01&end=2026-12-31", {}),
]


@pytest.mark.parametrize(("account", "method", "path", "body"), REFUSED)
def test_a_wrong_role_is_refused_with_403_and_audited(
    client: TestClient,
    bearer: Bearer,
    account: str,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    sent = {"json": body} if method == "POST" else {}
    response = client.request(method, f"/api/v1{path}", headers=bearer(account), **sent)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["kind"] == "permission_denied"
    denial = newest_denial(client, bearer)
    assert denial["actor"] == account


def test_a_reviewer_may_not_search(client: TestClient, bearer: Bearer, web_world: World) -> None:
    response = client.post(
        f"/api/v1/cases/{CASE}/search/face",
        headers=bearer(REVIEWER),
        data=WHY,
        files={"image": ("p.png", (web_world.files / "probe.png").read_bytes(), "image/png")},
    )
    assert response.status_code == 403
    assert newest_denial(client, bearer)["actor"] == REVIEWER


BAD_FIELDS: list[tuple[str, str, dict[str, Any], str]] = [
    # (method, path, body, the field named)
    ("POST", "/cases", {"new_case_id": "x" * 101, "title": "t"}, "new_case_id"),
    ("POST", "/cases", {"new_case_id": "C9", "title": "t", "colour": "red"}, "colour"),
    ("POST", f"/cases/{CASE}/members", {"account": ""}, "account"),
    ("GET", f"/cases/{CASE}/media?filter=lost", {}, "filter"),
    ("GET", f"/cases/{CASE}/media?limit=0", {}, "limit"),
    ("GET", f"/cases/{CASE}/media?limit=501", {}, "limit"),
    ("GET", f"/cases/{CASE}/media?after=-1", {}, "after"),
    ("GET", f"/cases/{CASE}/media/0", {}, "media_id"),
    ("GET", f"/cases/{CASE}/media/{2**63}", {}, "media_id"),
    ("POST", f"/cases/{CASE}/clusters/merge", {"keep": 0, "other": 2}, "keep"),
    ("POST", f"/cases/{CASE}/clusters/1/split", {"face_ids": []}, "face_ids"),
    ("POST", f"/cases/{CASE}/clusters/1/promote", {"label": "A", "status": "x"}, "status"),
    ("GET", f"/cases/{CASE}/gallery?purpose=p", {}, "legal_basis"),
    ("POST", f"/cases/{CASE}/candidates/1/decision", {"outcome": "maybe", "note": "n"}, "outcome"),
    ("POST", f"/cases/{CASE}/candidates/1/resolution", {"outcome": "identified"}, "note"),
    ("POST", f"/cases/{CASE}/authorisations", {"authority": "A", "reference": "R"}, "valid_until"),
    ("POST", "/accounts", {"name": "x", "roles": ["king"]}, "roles.0"),
    ("GET", "/audit/events?since=-1", {}, "since"),
    ("GET", "/reports/usage?start=2026-01-01", {}, "end"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD_FIELDS)
def test_a_bad_field_is_422_naming_it(
    client: TestClient, bearer: Bearer, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    before = client.get("/api/v1/audit/verify", headers=bearer()).json()["count"]
    sent = {"json": body} if method == "POST" else {}
    response = client.request(method, f"/api/v1{path}", headers=bearer(), **sent)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["kind"] == "invalid_request"
    assert field in [p["field"] for p in error["problems"]], error
    after = client.get("/api/v1/audit/verify", headers=bearer()).json()["count"]
    assert after == before  # refused before any use case ran: nothing recorded


def test_a_bad_search_field_is_422_naming_it(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    image = {"image": ("p.png", (web_world.files / "probe.png").read_bytes(), "image/png")}
    for fields, named in (({"k": "0"}, "k"), ({"max_distance": "nan"}, "max_distance")):
        response = client.post(
            f"/api/v1/cases/{CASE}/search/face",
            headers=bearer(),
            data={**WHY, **fields},
            files=image,
        )
        assert response.status_code == 422
        assert named in [p["field"] for p in response.json()["error"]["problems"]]
    no_image = client.post(f"/api/v1/cases/{CASE}/search/face", headers=bearer(), data=WHY)
    assert no_image.status_code == 422
    assert "image" in no_image.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/cases/{CASE}/gallery?purpose=%20&legal_basis=l", "purpose"),
        (f"/cases/{CASE}/gallery?purpose=p&legal_basis=%20", "legal_basis"),
        ("/audit/verify?anchor=12", "anchor"),
    ],
)
def test_a_field_the_domain_refuses_is_422_in_its_own_name(
    client: TestClient, bearer: Bearer, path: str, field: str
) -> None:
    response = client.get(f"/api/v1{path}", headers=bearer())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["kind"] == "invalid_field" and error["field"] == field
    assert "--" not in error["message"]  # the domain's words, not the CLI's flags


@pytest.mark.parametrize(
    "path", ["/cases", f"/cases/{CASE}/clusters/merge", f"/cases/{CASE}/candidates/1/decision"]
)
def test_malformed_json_is_422_not_500(client: TestClient, bearer: Bearer, path: str) -> None:
    headers = {**bearer(), "Content-Type": "application/json"}
    for body in (b'{"title": "unterminated', b"[1, 2]", b"\xff\xfe", b"null"):
        response = client.post(f"/api/v1{path}", headers=headers, content=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["kind"] == "invalid_request"


def test_an_oversized_body_is_413(client: TestClient, bearer: Bearer) -> None:
    big = json.dumps({"note": "x" * (2 << 20), "outcome": "inconclusive"})
    response = client.post(
        f"/api/v1/cases/{CASE}/candidates/1/decision",
        headers={**bearer(), "Content-Type": "application/json"},
        content=big,
    )
    assert response.status_code == 413
    assert response.json()["error"]["kind"] == "too_large"


def test_a_body_without_a_length_is_cut_at_the_limit_too(
    client: TestClient, bearer: Bearer
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(32):
            yield b"x" * (64 << 10)  # 2 MiB in all, announced by no Content-Length

    headers = {**bearer(), "Content-Type": "application/json"}
    response = client.post("/api/v1/cases", headers=headers, content=chunks())
    assert response.status_code == 413


def test_only_the_search_route_takes_the_upload_limit(app: FastAPI) -> None:
    hardening = Hardening(app, max_body=10, max_upload=20, uploads=api.UPLOADS)
    assert hardening.limit(f"/api/v1/cases/{CASE}/search/face") == 20
    assert hardening.limit("/api/v1/cases/2026~0042/search/face") == 20
    for other in (
        f"/api/v1/cases/{CASE}/search/face/x",
        f"/api/v1/cases/{CASE}/clusters/merge",
        f"/cases/{CASE}/search/face",
        "/api/v1/cases",
    ):
        assert hardening.limit(other) == 10, other


def test_a_probe_may_be_larger_than_other_bodies_up_to_its_own_limit(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    # A photo of 3 MiB (a phone's JPEG is 2-5 MiB) passes the upload limit (20 MiB) where
    # any other body stops at 1 MiB; past 20 MiB the probe is refused too.
    probe = (web_world.files / "probe.png").read_bytes()
    padded = probe + b"\0" * (3 << 20)  # PNG readers stop at IEND
    response = client.post(
        f"/api/v1/cases/{CASE}/search/face",
        headers=bearer(),
        data=WHY,
        files={"image": ("p.png", padded, "image/png")},
    )
    assert response.status_code == 200, response.text
    huge = client.post(
        f"/api/v1/cases/{CASE}/search/face",
        headers=bearer(),
        data=WHY,
        files={"image": ("p.png", probe + b"\0" * (21 << 20), "image/png")},
    )
    assert huge.status_code == 413


def test_an_unknown_api_route_answers_in_the_error_body(client: TestClient, bearer: Bearer) -> None:
    missing = client.get("/api/v1/cases/C1/nothing-here", headers=bearer())
    assert missing.status_code == 404
    assert missing.json()["error"]["kind"] == "not_found"
    wrong = client.put("/api/v1/cases", headers=bearer())
    assert wrong.status_code == 405
    assert wrong.json()["error"]["kind"] == "method_not_allowed"


def test_sign_out_answers_204_without_a_body(client: TestClient, bearer: Bearer) -> None:
    # It answered the JSON "null" with its 204, which HTTP forbids: a server drops the
    # connection, and schemathesis' client failed to read the answer.
    out = client.post("/api/v1/logout", headers=bearer())
    assert out.status_code == 204
    assert out.content == b"" and out.headers.get("content-length", "0") == "0"


def test_the_schema_lists_are_the_domain_lists() -> None:
    assert set(get_args(models.Role)) == set(access.ROLES)
    assert get_args(models.Outcome) == double_review.OUTCOMES
    assert get_args(models.Resolution) == double_review.RESOLUTIONS
    assert get_args(models.IdentityStatus) == gallery.STATUSES
    assert get_args(models.GridFilter) == grid.FILTERS


def test_an_account_made_then_disabled_over_the_api_can_no_longer_act(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    made = client.post(
        "/api/v1/accounts", headers=bearer(), json={"name": "temp", "roles": ["reviewer"]}
    )
    assert made.status_code == 201, made.text
    listed = cli_json(web_world, TESTER, "user", "list")
    assert made.json() == next(a for a in listed if a["name"] == "temp")
    again = client.post(
        "/api/v1/accounts", headers=bearer(), json={"name": "temp", "roles": ["reviewer"]}
    )
    assert again.status_code == 409
    token = {"Authorization": f"Bearer {issue_token(web_world.home, 'temp')}"}
    assert client.get("/api/v1/me", headers=token).json()["name"] == "temp"
    assert client.post("/api/v1/accounts/temp/disable", headers=bearer()).status_code == 204
    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 401, refused.text  # its tokens no longer sign it in
    assert client.get(f"/api/v1/cases/{CASE}/candidates", headers=token).status_code == 401
    accounts = client.get("/api/v1/accounts", headers=bearer()).json()
    assert [a["enabled"] for a in accounts if a["name"] == "temp"] == [False]


def test_the_dashboard_counts_what_the_media_list_shows(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    shown = client.get(f"/api/v1/cases/{CASE}/dashboard", headers=bearer())
    assert shown.status_code == 200, shown.text
    figures = shown.json()
    listed = cli_json(web_world, TESTER, "media", "list", "--case", CASE)
    assert figures["case_id"] == CASE and figures["media"] == len(listed)
    assert figures["new"] == sum(m["status"] == "new" for m in listed)
    assert figures["faces"] == len(cli_json(web_world, TESTER, "faces", "list", "--case", CASE))
    assert [r["status"] for r in figures["runs"]] == ["done"]
    refused = client.get(f"/api/v1/cases/{CASE}/dashboard", headers=bearer(AUDITOR))
    assert refused.status_code == 403


def test_exposure_is_the_callers_and_a_break_restarts_the_reminder(
    client: TestClient, bearer: Bearer
) -> None:
    before = client.get("/api/v1/me/exposure", headers=bearer(REVIEWER))
    assert before.status_code == 200
    assert before.json()["account"] == REVIEWER and before.json()["reveals"] == 0
    rested = client.post("/api/v1/me/break", headers=bearer(REVIEWER))
    assert rested.status_code == 200
    assert rested.json()["last_break"] is not None and rested.json()["since_break"] == 0
    breaks = client.get("/api/v1/audit/events?action=welfare.break", headers=bearer()).json()
    assert [e["actor"] for e in breaks] == [REVIEWER]
