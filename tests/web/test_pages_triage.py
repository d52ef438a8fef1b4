"""The triage pages: case dashboard, triage grid, media detail, pictures and reveals, and
the exposure counter, over HTTPS with API tokens on the web world (case C1).

A second ingest into C1 (through the CLI) makes the world large enough for the grid to
need two pages; a case C2 with one picture gives an item of another case. Audit events
are read with ``audit show --json``, as an operator would.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from genkend.cli import main
from genkend.services import dashboard
from genkend.web import create_app
from genkend.workspace import open_workspace

from ..services.world import CASE, REVIEWER, TESTER, World
from .conftest import set_password

Bearer = Callable[..., dict[str, str]]
AUDITOR = "aud"  # auditor only, member of C1
BREAKER = "rev2"  # reviewer, member of C1: the exposure test's own account
EXTRA = 130  # pictures of the second ingest: with the world's two, more than one page
HOSTILE = '<b onmouseover="x">.jpg'  # and one whose name and EXIF are markup
MARKUP = "<script>alert(1)</script>"
PASSWORD = "correct horse battery"
IDS = re.compile(r'data-media="(\d+)"')
NEXT = re.compile(r'rel="next" href="([^"]+)"')


def _cli(world: World, user: str, *args: str) -> Any:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        assert main(["--home", str(world.home), "--user", user, *args]) == 0, args
    text = out.getvalue()
    return json.loads(text) if "--json" in args else text


@pytest.fixture(scope="module")
def world(web_world: World) -> World:
    """The web world with ``EXTRA`` more pictures in C1, a case C2 of one picture, an
    auditor and a second reviewer."""
    more = web_world.files / "more"
    more.mkdir()
    for i in range(EXTRA):
        colour = (i * 37 % 256, i * 91 % 256, (i * 53 + 40) % 256)
        image = Image.new("RGB", (48, 32), colour)
        image.putpixel((i % 48, i // 48), (255 - colour[0], 0, 0))
        image.save(more / f"extra-{i:03d}.png")
    exif = Image.Exif()
    exif[0x010F] = MARKUP  # Make
    Image.new("RGB", (40, 30), (90, 20, 160)).save(more / HOSTILE, exif=exif)
    _cli(web_world, TESTER, "ingest", str(more), "--case", CASE, "--workers", "0")
    other = web_world.files / "other"
    other.mkdir()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(other / "c2.png")
    _cli(web_world, TESTER, "case", "create", "C2", "--title", "other")
    _cli(web_world, TESTER, "ingest", str(other), "--case", "C2", "--workers", "0")
    web_world.add_account(AUDITOR, ("auditor",), member=True)
    web_world.add_account(BREAKER, ("reviewer",), member=True)
    set_password(web_world.home, REVIEWER, PASSWORD)
    return web_world


@pytest.fixture(scope="module")
def listed(world: World) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = _cli(world, TESTER, "media", "list", "--case", CASE, "--json")
    return media


def _item_named(listed: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(m for m in listed if any(loc["location"].endswith(name) for loc in m["locations"]))


def _reveals(world: World) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = _cli(
        world, TESTER, "audit", "show", "--action", "media.reveal", "--json"
    )
    return events


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def test_the_dashboard_shows_the_cases_counts(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    response = client.get(f"/cases/{CASE}", headers=bearer())
    assert response.status_code == 200
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', response.text))
    faces = _cli(world, TESTER, "faces", "list", "--case", CASE, "--json")
    assert int(counts["media"]) == len(listed) == EXTRA + 3
    assert int(counts["new"]) == sum(m["status"] == "new" for m in listed)
    assert int(counts["faces"]) == len(faces) == 3
    assert int(counts["with_faces"]) == len({f["media_id"] for f in faces}) == 2
    assert int(counts["clusters"]) >= 1
    assert f'href="/cases/{CASE}/media?filter=has_faces"' in response.text
    assert "2 items read, 0 unreadable" in response.text  # the world's first run
    assert f"{EXTRA + 1} items read" in response.text  # and the second
    assert 'hx-trigger="every 2s"' not in response.text  # nothing runs: no polling


def test_the_progress_fragment_polls_only_while_a_run_is_running(
    client: TestClient, bearer: Bearer, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/cases/{CASE}/progress"
    idle = client.get(url, headers=bearer())
    assert idle.status_code == 200 and 'id="progress"' in idle.text
    assert "hx-trigger" not in idle.text and "<html" not in idle.text
    real = dashboard.dashboard

    def running(session: Any, case_id: str) -> Any:
        board = real(session, case_id)
        first = dataclasses.replace(board.runs[0], status="running", finished=None)
        return dataclasses.replace(board, runs=[first, *board.runs[1:]])

    monkeypatch.setattr(dashboard, "dashboard", running)
    busy = client.get(url, headers=bearer())
    assert 'hx-trigger="every 2s"' in busy.text and "<progress" in busy.text


def test_the_grid_pages_through_every_media_of_a_filter_exactly_once(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    faces = _cli(world, TESTER, "faces", "list", "--case", CASE, "--json")
    for filter, expected in (
        ("all", sorted(m["id"] for m in listed)),
        ("new", sorted(m["id"] for m in listed if m["status"] == "new")),
        ("has_faces", sorted({f["media_id"] for f in faces})),
    ):
        seen: list[int] = []
        url: str | None = f"/cases/{CASE}/media?filter={filter}"
        pages = 0
        while url is not None:
            response = client.get(url.replace("&amp;", "&"), headers=bearer())
            assert response.status_code == 200
            ids = [int(i) for i in IDS.findall(response.text)]
            assert len(ids) <= 100
            seen += ids
            pages += 1
            found = NEXT.search(response.text)
            url = found.group(1) if found else None
        assert seen == expected, filter
        assert pages == (len(expected) + 99) // 100
    first = client.get(f"/cases/{CASE}/media", headers=bearer()).text
    assert first.count('loading="lazy"') == 100
    assert "view=blurred&amp;size=160" in first and "view=revealed" not in first
    assert "extra-000.png" in first


def test_a_bad_filter_or_after_is_a_clear_4xx(client: TestClient, bearer: Bearer) -> None:
    bad = client.get(f"/cases/{CASE}/media?filter=bogus", headers=bearer())
    assert bad.status_code == 422 and "filter" in bad.text
    assert client.get(f"/cases/{CASE}/media?after=-1", headers=bearer()).status_code == 422
    assert client.get(f"/cases/{CASE}/media?after=x", headers=bearer()).status_code == 422


def test_the_detail_page_shows_hashes_locations_and_faces(
    client: TestClient, bearer: Bearer, listed: list[dict[str, Any]]
) -> None:
    item = _item_named(listed, "a.png")
    response = client.get(f"/cases/{CASE}/media/{item['id']}", headers=bearer())
    assert response.status_code == 200
    page = response.text
    for value in (item["md5"], item["sha1"], item["sha256"], item["pdq"]):
        assert value and value in page
    assert item["locations"][0]["location"] in page
    assert page.count("<rect ") == 2  # a.png has two faces
    assert re.search(rf'href="/cases/{CASE}/clusters/\d+"', page)
    assert "view=blurred&amp;size=256" in page and "view=revealed" not in page
    assert f'hx-post="/cases/{CASE}/media/{item["id"]}/reveal"' in page
    assert 'style="' not in page and "<script>" not in page


def test_a_blurred_picture_is_grey_uncached_and_writes_no_event(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    item = _item_named(listed, "a.png")
    before = len(_reveals(world))
    url = f"/cases/{CASE}/media/{item['id']}/picture?view=blurred&size=160"
    response = client.get(url, headers=bearer(REVIEWER))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "image/jpeg"
    image = _image(response.content)
    assert image.mode == "L" and max(image.size) == 160
    assert len(_reveals(world)) == before
    too_big = client.get(url.replace("160", "5000"), headers=bearer(REVIEWER))
    assert too_big.status_code == 422


def test_a_reveal_writes_one_event_and_shows_the_real_picture(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    item = _item_named(listed, "a.png")
    base = f"/cases/{CASE}/media/{item['id']}"
    before = len(_reveals(world))
    answer = client.post(f"{base}/reveal", data={"size": "256"}, headers=bearer(REVIEWER))
    assert answer.status_code == 200 and answer.headers["hx-trigger"] == "exposure"
    [src] = re.findall(r'<img id="picture" src="([^"]+)"', answer.text)
    src = src.replace("&amp;", "&")
    assert "view=revealed" in src and "reveal=" in src
    events = _reveals(world)
    assert len(events) == before + 1
    assert (events[-1]["actor"], events[-1]["detail"]["media_id"]) == (REVIEWER, item["id"])
    revealed = client.get(src, headers=bearer(REVIEWER))
    assert revealed.status_code == 200 and revealed.headers["cache-control"] == "no-store"
    blurred = client.get(f"{base}/picture?view=blurred&size=256", headers=bearer(REVIEWER))
    real, grey = _image(revealed.content), _image(blurred.content)
    assert real.mode == "RGB" and grey.mode == "L" and real.size == grey.size
    assert ImageChops.difference(real, grey.convert("RGB")).getbbox() is not None
    assert len(_reveals(world)) == before + 1  # fetching the picture is no second reveal


def test_a_revealed_picture_cannot_be_fetched_without_the_reveal_step(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    item = _item_named(listed, "b.png")
    base = f"/cases/{CASE}/media/{item['id']}"
    before = len(_reveals(world))
    bare = client.get(f"{base}/picture?view=revealed&size=256", headers=bearer(REVIEWER))
    assert bare.status_code == 403
    answer = client.post(f"{base}/reveal", data={"size": "256"}, headers=bearer(TESTER))
    [seq] = re.findall(r"reveal=(\d+)", answer.text)
    theirs = f"{base}/picture?view=revealed&size=256&reveal={seq}"
    assert client.get(theirs, headers=bearer(REVIEWER)).status_code == 403  # not rev's reveal
    bigger = theirs.replace("size=256", "size=1024")
    assert client.get(bigger, headers=bearer(TESTER)).status_code == 403  # larger than revealed
    other = _item_named(listed, "a.png")["id"]
    elsewhere = f"/cases/{CASE}/media/{other}/picture?view=revealed&size=256&reveal={seq}"
    assert client.get(elsewhere, headers=bearer(TESTER)).status_code == 403
    assert len(_reveals(world)) == before + 1  # only tester's reveal


def test_an_auditor_gets_403_on_every_picture_route(
    client: TestClient, bearer: Bearer, world: World, listed: list[dict[str, Any]]
) -> None:
    base = f"/cases/{CASE}/media/{listed[0]['id']}"
    auditor = bearer(AUDITOR)
    before = len(_reveals(world))
    for view in ("blurred", "revealed"):
        response = client.get(f"{base}/picture?view={view}&size=160", headers=auditor)
        assert response.status_code == 403, view
    assert client.post(f"{base}/reveal", data={"size": "256"}, headers=auditor).status_code == 403
    assert client.get(f"/cases/{CASE}/media", headers=auditor).status_code == 403
    assert len(_reveals(world)) == before
    exposure = client.get("/welfare/exposure", headers=auditor)
    assert exposure.status_code == 200 and 'data-reveals="0"' in exposure.text


def test_another_cases_media_under_c1_is_not_found(
    client: TestClient, bearer: Bearer, world: World
) -> None:
    [c2_item] = _cli(world, TESTER, "media", "list", "--case", "C2", "--json")
    base = f"/cases/{CASE}/media/{c2_item['id']}"
    before = len(_reveals(world))
    assert client.get(base, headers=bearer()).status_code == 404
    assert client.get(f"{base}/picture?view=blurred&size=160", headers=bearer()).status_code == 404
    assert client.post(f"{base}/reveal", data={"size": "256"}, headers=bearer()).status_code == 404
    assert len(_reveals(world)) == before
    assert client.get(f"/cases/C2/media/{c2_item['id']}", headers=bearer()).status_code == 200


@pytest.fixture
def tired_client(world: World) -> Iterator[TestClient]:
    """An app on the same workspace whose reminder comes after two reveals."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        workspace = open_workspace(world.home, {"welfare_break_after": 2})
        try:
            with TestClient(create_app(workspace), base_url="https://testserver") as made:
                yield made
        finally:
            workspace.close()


def test_the_exposure_counter_counts_reveals_and_reminds_at_the_threshold(
    tired_client: TestClient, bearer: Bearer, listed: list[dict[str, Any]]
) -> None:
    client, me = tired_client, bearer(BREAKER)
    fresh = client.get("/welfare/exposure", headers=me)
    assert 'data-reveals="0"' in fresh.text and "Take a break" not in fresh.text
    media_id = listed[0]["id"]
    client.post(f"/cases/{CASE}/media/{media_id}/reveal", data={"size": "256"}, headers=me)
    once = client.get("/welfare/exposure", headers=me).text
    assert 'data-reveals="1"' in once and "Take a break" not in once
    client.post(f"/cases/{CASE}/media/{media_id}/reveal", data={"size": "256"}, headers=me)
    due = client.get("/welfare/exposure", headers=me).text
    assert 'data-reveals="2"' in due and "Take a break" in due
    assert 'hx-post="/welfare/break"' in due
    rested = client.post("/welfare/break", headers={**me, "HX-Request": "true"})
    assert rested.status_code == 200
    assert 'data-reveals="2"' in rested.text and "Take a break" not in rested.text
    plain = client.post("/welfare/break", headers=me, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/cases"


def test_names_and_exif_from_the_evidence_are_text_not_markup(
    client: TestClient, bearer: Bearer, listed: list[dict[str, Any]]
) -> None:
    item = _item_named(listed, HOSTILE)
    detail = client.get(f"/cases/{CASE}/media/{item['id']}", headers=bearer()).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail  # the EXIF table
    assert MARKUP not in detail and "<b onmouseover" not in detail
    assert "&lt;b onmouseover=&#34;x&#34;&gt;.jpg" in detail
    grid = "".join(
        client.get(f"/cases/{CASE}/media?filter=all&after={after}", headers=bearer()).text
        for after in (0, item["id"] - 1)
    )
    assert "&lt;b onmouseover=" in grid and "<b onmouseover" not in grid


def test_a_reveal_from_a_signed_in_page_needs_its_csrf_token(
    client: TestClient, world: World, listed: list[dict[str, Any]]
) -> None:
    signed = client.post("/api/v1/login", json={"username": REVIEWER, "password": PASSWORD})
    assert signed.status_code == 200
    item = _item_named(listed, "b.png")
    page = client.get(f"/cases/{CASE}/media/{item['id']}").text
    [token] = re.findall(r'name="csrf_token" value="([^"]+)"', page)[:1]
    assert token == signed.json()["csrf_token"]
    before = len(_reveals(world))
    url = f"/cases/{CASE}/media/{item['id']}/reveal"
    assert client.post(url, data={"size": "256"}).status_code == 403
    forged = client.post(url, data={"size": "256", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert len(_reveals(world)) == before
    allowed = client.post(url, data={"size": "512", "csrf_token": token})
    assert allowed.status_code == 200 and "size=512" in allowed.text
    by_htmx = client.post(url, data={"size": "256"}, headers={"X-CSRF-Token": token})
    assert by_htmx.status_code == 200
    assert len(_reveals(world)) == before + 2
