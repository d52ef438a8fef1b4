"""The review pages: clusters, gallery search, candidates and disputes, as each account
sees them (bearer tokens over the TestClient).

The world (tests/services/world.py): case C1 with two pictures (alice and bob; bob), its
clusters, an authorisation recorded by ``grantor``, the gallery identity ``Known-Bob``
and the candidate of ``tester``'s gallery search. This module adds a second reviewer
(``rev2``) and an auditor (``aud``), both members of C1.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import create_engine, text

from genkend.cli import main
from genkend.metrics.calibration import Calibration, CalibrationPoint

from ..services.world import CASE, FAKE, GRANTOR, REVIEWER, TESTER, World
from .conftest import set_password

Bearer = Callable[..., dict[str, str]]
SECOND = "rev2"  # reviewer, member of C1
AUDITOR = "aud"  # auditor, member of C1: sees no imagery
WHY = {"purpose": "identify victim", "legal_basis": "warrant 1/2026"}


@pytest.fixture(scope="module", autouse=True)
def accounts(web_world: World) -> None:
    web_world.add_account(SECOND, ["reviewer"], member=True)
    web_world.add_account(AUDITOR, ["auditor"], member=True)


def cli_json(world: World, user: str, *args: str) -> Any:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", str(world.home), "--user", user, *args, "--json"]) == 0, args
    return json.loads(out.getvalue())


def cli(world: World, user: str, *args: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--home", str(world.home), "--user", user, *args]) == 0, args


def clusters_now(world: World) -> dict[int, dict[str, Any]]:
    found = cli_json(world, TESTER, "clusters", "list", "--case", CASE)
    return {c["id"]: c for c in found}


def events(world: World, action: str, since: int = 0) -> list[dict[str, Any]]:
    return cli_json(world, "aud", "audit", "show", "--since", str(since), "--action", action)


def newest_seq(world: World) -> int:
    found = cli_json(world, "aud", "audit", "show")
    return max(e["seq"] for e in found)


def post(client: TestClient, url: str, **kwargs: Any) -> Any:
    """A form post as a browser sends it, its redirect not followed."""
    return client.post(url, follow_redirects=False, **kwargs)


def refused(response: Any, status: int = 403) -> str:
    assert response.status_code == status, response.text
    assert 'class="error"' in response.text  # the error page, not a partial one
    return str(response.text)


# ------------------------------------------------------------------ clusters


def test_the_clusters_page_shows_each_cluster_with_its_size_label_and_blurred_faces(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    html = client.get(f"/cases/{CASE}/clusters", headers=bearer(TESTER)).text
    for cluster in clusters_now(web_world).values():
        assert f"/cases/{CASE}/clusters/{cluster['id']}" in html
        assert f"{cluster['size']} face" in html
        for face_id in cluster["face_ids"]:
            assert f"/faces/{face_id}/picture?view=blurred&amp;size=64" in html
    assert "view=revealed" not in html


def test_a_cluster_page_offers_split_merge_name_and_promote(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cluster = max(clusters_now(web_world).values(), key=lambda c: c["size"])
    html = client.get(f"/cases/{CASE}/clusters/{cluster['id']}", headers=bearer(TESTER)).text
    for face_id in cluster["face_ids"]:
        assert f'name="face_ids" value="{face_id}"' in html
    for form in ("split", "merge", "name", "promote"):
        assert f'action="/cases/{CASE}/clusters/{cluster["id"]}/{form}"' in html
    assert 'name="label"' in html and 'value="unidentified_series"' in html


def test_an_unknown_cluster_is_404(client: TestClient, bearer: Bearer) -> None:
    refused(client.get(f"/cases/{CASE}/clusters/9999", headers=bearer(TESTER)), 404)


def test_split_merge_and_name_change_the_clusters(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = clusters_now(web_world)
    big = max(before.values(), key=lambda c: c["size"])
    assert big["size"] >= 2, before
    leaving = big["face_ids"][-1]
    url = f"/cases/{CASE}/clusters/{big['id']}"
    split = post(client, f"{url}/split", data={"face_ids": [str(leaving)]}, headers=bearer(TESTER))
    assert split.status_code == 303
    after_split = clusters_now(web_world)
    (made,) = set(after_split) - set(before)
    assert after_split[made]["face_ids"] == [leaving]
    assert leaving not in after_split[big["id"]]["face_ids"]
    assert split.headers["location"] == f"/cases/{CASE}/clusters/{made}"

    merged = post(client, f"{url}/merge", data={"other": str(made)}, headers=bearer(TESTER))
    assert merged.status_code == 303
    after_merge = clusters_now(web_world)
    assert sorted(after_merge[big["id"]]["face_ids"]) == sorted(big["face_ids"])
    assert after_merge.get(made, {"size": 0})["size"] == 0

    named = post(client, f"{url}/name", data={"label": "Person B"}, headers=bearer(TESTER))
    assert named.status_code == 303
    final = clusters_now(web_world)[big["id"]]
    assert (final["label"], final["confirmed"]) == ("Person B", True)
    assert "Person B" in client.get(f"/cases/{CASE}/clusters", headers=bearer(TESTER)).text


def test_a_split_of_every_face_is_refused_and_changes_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = clusters_now(web_world)
    big = max(before.values(), key=lambda c: c["size"])
    every = [str(f) for f in big["face_ids"]]
    response = post(
        client,
        f"/cases/{CASE}/clusters/{big['id']}/split",
        data={"face_ids": every},
        headers=bearer(),
    )
    assert "some, not all" in refused(response, 400)
    assert clusters_now(web_world) == before


def test_a_reviewer_may_not_correct_clusters(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    before = clusters_now(web_world)
    cluster_id = next(iter(before))
    response = post(
        client,
        f"/cases/{CASE}/clusters/{cluster_id}/name",
        data={"label": "x"},
        headers=bearer(REVIEWER),
    )
    refused(response)
    assert clusters_now(web_world) == before
    assert events(web_world, "access.denied")[-1]["actor"] == REVIEWER


def test_an_auditor_sees_no_clusters_and_no_imagery(client: TestClient, bearer: Bearer) -> None:
    html = refused(client.get(f"/cases/{CASE}/clusters", headers=bearer(AUDITOR)))
    assert "<img" not in html


# ------------------------------------------------------------------ gallery search


def test_the_search_form_shows_the_authorisation_it_runs_under(
    client: TestClient, bearer: Bearer
) -> None:
    html = client.get(f"/cases/{CASE}/search", headers=bearer(TESTER)).text
    assert "runs under authorisation" in html
    assert "Court X" in html and "R-1" in html and GRANTOR in html
    for field in ("probe", "purpose", "legal_basis", "k", "max_distance"):
        assert f'name="{field}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_search_form_says_why_a_search_would_be_refused(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cli(web_world, TESTER, "case", "create", "C2", "--title", "no authorisation")
    html = client.get("/cases/C2/search", headers=bearer(TESTER)).text
    assert "would be refused: no valid authorisation for gallery searches in case C2" in html


def test_only_investigators_search(client: TestClient, bearer: Bearer) -> None:
    refused(client.get(f"/cases/{CASE}/search", headers=bearer(REVIEWER)))
    refused(client.get(f"/cases/{CASE}/search", headers=bearer(GRANTOR)))


def _probe(world: World, name: str = "probe.png") -> dict[str, Any]:
    path = world.files / name if name == "probe.png" else world.files / "evidence" / name
    return {"probe": (name, path.read_bytes(), "image/png")}


def test_a_search_without_a_purpose_is_refused_audited_and_leaves_no_file(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    since = newest_seq(web_world)
    response = post(
        client,
        f"/cases/{CASE}/search",
        files=_probe(web_world),
        data={"purpose": "", "legal_basis": "warrant 1/2026"},
        headers=bearer(TESTER),
    )
    assert "purpose" in refused(response, 422)
    (event,) = events(web_world, "search.refused", since)
    assert event["actor"] == TESTER and event["subject"] == f"case:{CASE}"
    assert "purpose" in event["detail"]["reason"]
    assert events(web_world, "search.gallery", since) == []
    assert list((web_world.home / "spool").iterdir()) == []


def test_a_search_lists_the_candidates_it_proposed(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    since = newest_seq(web_world)
    response = post(
        client,
        f"/cases/{CASE}/search",
        files=_probe(web_world),
        data={**WHY, "k": "5", "max_distance": "2"},
        headers=bearer(TESTER),
    )
    assert response.status_code == 200, response.text
    (event,) = events(web_world, "search.gallery", since)
    assert event["detail"]["purpose"] == WHY["purpose"]
    proposed = event["detail"]["results"]
    assert proposed, event
    html = response.text
    assert "Known-Bob" in html and f"{proposed[0]['distance']:.4f}" in html
    assert "<td>2.0</td>" in html  # the threshold in force
    assert "false-match rates unknown" in html  # no calibration in this world
    assert f"audit event {event['seq']}" in html
    assert f"/cases/{CASE}/candidates/" in html
    assert list((web_world.home / "spool").iterdir()) == []


# ------------------------------------------------------------------ candidates


def _candidate(world: World) -> int:
    return int(world.ids["candidate"])


def fresh_candidate(world: World, probe: str | None = None) -> int:
    """A new candidate: ``tester``'s gallery search proposes Known-Bob again."""
    image = str(world.files / "probe.png") if probe is None else probe
    search = ["--image", image, "--case", CASE, "--gallery", "--max-distance", "2"]
    why = ["--purpose", WHY["purpose"], "--legal-basis", WHY["legal_basis"]]
    result = cli_json(world, TESTER, "search", "face", *search, *why)
    return int(result["candidates"][0]["candidate_id"])


def decide(client: TestClient, bearer: Bearer, who: str, candidate_id: int, **form: str) -> Any:
    url = f"/cases/{CASE}/candidates/{candidate_id}/decision"
    return post(client, url, data=form, headers=bearer(who))


def test_the_candidates_awaiting_a_reviewer_are_listed(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    html = client.get(f"/cases/{CASE}/candidates", headers=bearer(SECOND)).text
    assert f"/cases/{CASE}/candidates/{_candidate(web_world)}" in html
    assert "Known-Bob" in html and TESTER in html


def test_the_searcher_has_nothing_to_review_and_a_supervisor_no_list(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    html = client.get(f"/cases/{CASE}/candidates", headers=bearer(TESTER)).text
    assert f"/candidates/{_candidate(web_world)}" not in html
    refused(client.get(f"/cases/{CASE}/candidates", headers=bearer(GRANTOR)))


def test_a_candidate_page_shows_the_comparison_and_its_facts(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = _candidate(web_world)
    html = client.get(f"/cases/{CASE}/candidates/{candidate_id}", headers=bearer(SECOND)).text
    assert "Known-Bob" in html
    assert "The probe photo is not a media item of this case" in html
    assert f"/candidates/{candidate_id}/gallery-faces/" in html
    assert "picture?view=blurred" in html and "view=revealed" not in html
    assert 'Threshold in force</dt><dd class="threshold">2.0' in html
    assert "unknown (no calibration" in html
    assert f"{TESTER} (audit event" in html
    assert "Court X, reference R-1" in html
    assert f'action="/cases/{CASE}/candidates/{candidate_id}/decision"' in html


def test_an_unknown_candidate_or_one_under_another_case_is_404(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    refused(client.get(f"/cases/{CASE}/candidates/9999", headers=bearer(SECOND)), 404)
    cli(web_world, TESTER, "case", "create", "C3", "--title", "other")
    cli(web_world, TESTER, "case", "member", "add", "C3", SECOND)
    wrong = f"/cases/C3/candidates/{_candidate(web_world)}"
    refused(client.get(wrong, headers=bearer(SECOND)), 404)


def test_an_auditor_may_not_open_a_candidate(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    html = refused(
        client.get(f"/cases/{CASE}/candidates/{_candidate(web_world)}", headers=bearer(AUDITOR))
    )
    assert "<img" not in html


def test_blind_review_shows_nothing_of_another_decision_before_ones_own(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world)
    url = f"/cases/{CASE}/candidates/{candidate_id}"
    first_note = "same ear shape, first reviewer"
    first = decide(
        client, bearer, REVIEWER, candidate_id, outcome="potential_candidate", note=first_note
    )
    assert (first.status_code, first.headers["location"]) == (303, url)
    mine = client.get(url, headers=bearer(REVIEWER)).text
    assert first_note in mine and f"{REVIEWER} (you)" in mine
    assert "Awaiting its second decision" in mine and "Outcome:" not in mine
    assert 'name="note"' not in mine  # decided once, never again

    blind = client.get(url, headers=bearer(SECOND)).text
    assert first_note not in blind
    assert 'class="list decisions"' not in blind
    assert "Awaiting its second decision" not in blind and "No decision yet" not in blind
    assert f"<td>{REVIEWER}" not in blind
    assert 'name="note"' in blind and 'value="potential_candidate"' in blind

    second_note = "different jaw line, second reviewer"
    second = decide(client, bearer, SECOND, candidate_id, outcome="no_candidate", note=second_note)
    assert second.status_code == 303
    for reviewer in (REVIEWER, SECOND):
        settled = client.get(url, headers=bearer(reviewer)).text
        assert first_note in settled and second_note in settled
        assert "Outcome: <strong>disputed</strong>" in settled


def test_a_second_decision_by_the_same_reviewer_is_refused(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world)
    once = decide(client, bearer, REVIEWER, candidate_id, outcome="no_candidate", note="once")
    assert once.status_code == 303
    since = newest_seq(web_world)
    again = decide(client, bearer, REVIEWER, candidate_id, outcome="inconclusive", note="again")
    assert "decides once" in refused(again)
    (denied,) = events(web_world, "access.denied", since)
    assert denied["actor"] == REVIEWER
    assert events(web_world, "review.decide", since) == []


def test_a_decision_without_reasons_is_refused_and_changes_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world)
    since = newest_seq(web_world)
    response = decide(client, bearer, SECOND, candidate_id, outcome="no_candidate", note=" ")
    assert "reasons" in refused(response, 422)
    assert events(web_world, "review.decide", since) == []
    listed = client.get(f"/cases/{CASE}/candidates", headers=bearer(SECOND)).text
    assert f'/candidates/{candidate_id}"' in listed


# ------------------------------------------------------------------ disputes


def test_a_supervisor_sees_both_decisions_of_a_dispute_and_settles_it(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world)
    yes = decide(client, bearer, REVIEWER, candidate_id, outcome="potential_candidate", note="ear")
    no = decide(client, bearer, SECOND, candidate_id, outcome="no_candidate", note="jaw line")
    assert (yes.status_code, no.status_code) == (303, 303)
    html = client.get(f"/cases/{CASE}/disputes", headers=bearer(GRANTOR)).text
    assert f'id="candidate-{candidate_id}"' in html
    assert "<td>ear</td>" in html and "<td>jaw line</td>" in html
    assert "potential_candidate" in html and "no_candidate" in html
    since = newest_seq(web_world)
    settled = post(
        client,
        f"/cases/{CASE}/candidates/{candidate_id}/resolution",
        data={"outcome": "rejected", "note": "jaw line decides"},
        headers=bearer(GRANTOR),
    )
    assert settled.status_code == 303
    (event,) = events(web_world, "review.resolve", since)
    assert event["actor"] == GRANTOR and event["detail"]["status"] == "rejected"
    after = client.get(f"/cases/{CASE}/disputes", headers=bearer(GRANTOR)).text
    assert f'id="candidate-{candidate_id}"' not in after
    page = client.get(f"/cases/{CASE}/candidates/{candidate_id}", headers=bearer(REVIEWER)).text
    assert "Outcome: <strong>rejected</strong>" in page and "jaw line decides" in page


def test_reviewers_see_no_disputes_page(client: TestClient, bearer: Bearer) -> None:
    refused(client.get(f"/cases/{CASE}/disputes", headers=bearer(REVIEWER)))
    refused(client.get(f"/cases/{CASE}/disputes", headers=bearer(AUDITOR)))


def test_a_probe_that_is_a_picture_of_the_case_is_shown_by_its_face(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world, str(web_world.files / "evidence" / "b.png"))
    media = cli_json(web_world, TESTER, "media", "list", "--case", CASE)
    faces = cli_json(web_world, TESTER, "faces", "list", "--case", CASE)
    (picture,) = [m for m in media if any(loc.endswith("b.png") for loc in _locations(m))]
    (face,) = [f for f in faces if f["media_id"] == picture["id"]]
    html = client.get(f"/cases/{CASE}/candidates/{candidate_id}", headers=bearer(SECOND)).text
    assert "not a media item of this case" not in html
    assert f"/cases/{CASE}/faces/{face['id']}/picture?view=blurred" in html
    assert f"/cases/{CASE}/media/{picture['id']}" in html


def _locations(item: dict[str, Any]) -> list[str]:
    return [str(loc.get("location", "")) for loc in item.get("locations", [])]


def test_a_decision_form_signed_in_by_cookie_needs_the_pages_csrf_token(
    app: Any, web_world: World
) -> None:
    set_password(web_world.home, SECOND, "second reviewer's passphrase")
    candidate_id = fresh_candidate(web_world)
    url = f"/cases/{CASE}/candidates/{candidate_id}"
    with TestClient(app, base_url="https://testserver") as browser:
        signed = browser.post(
            "/api/v1/login",
            json={"username": SECOND, "password": "second reviewer's passphrase"},
        )
        assert signed.status_code == 200, signed.text
        token = signed.json()["csrf_token"]
        html = browser.get(url).text
        assert f'name="csrf_token" value="{token}"' in html
        form = {"outcome": "no_candidate", "note": "forged"}
        refused(post(browser, f"{url}/decision", data=form))
        assert f'/candidates/{candidate_id}"' in browser.get(f"/cases/{CASE}/candidates").text
        mine = post(browser, f"{url}/decision", data={**form, "note": "mine", "csrf_token": token})
        assert mine.status_code == 303
        assert "<td>mine</td>" in browser.get(url).text


def test_a_search_without_a_valid_authorisation_shows_the_refusal_and_is_audited(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cli(web_world, TESTER, "case", "create", "C4", "--title", "no authorisation either")
    since = newest_seq(web_world)
    response = post(
        client, "/cases/C4/search", files=_probe(web_world), data=WHY, headers=bearer(TESTER)
    )
    assert "no valid authorisation for gallery searches in case C4" in refused(response)
    (event,) = events(web_world, "search.refused", since)
    assert event["subject"] == "case:C4" and event["detail"]["purpose"] == WHY["purpose"]
    assert list((web_world.home / "spool").iterdir()) == []


def test_promoting_a_cluster_adds_its_faces_to_the_gallery(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cluster = min(clusters_now(web_world).values(), key=lambda c: c["id"])
    response = post(
        client,
        f"/cases/{CASE}/clusters/{cluster['id']}/promote",
        data={"label": "Promoted-A", "status": "unidentified_series"},
        headers=bearer(TESTER),
    )
    assert response.status_code == 303
    why = ["--purpose", WHY["purpose"], "--legal-basis", WHY["legal_basis"]]
    listed = cli_json(web_world, TESTER, "gallery", "list", "--case", CASE, *why)
    (made,) = [i for i in listed if i["label"] == "Promoted-A"]
    assert made["faces"] == cluster["size"]
    shown = client.get(response.headers["location"], headers=bearer(TESTER)).text
    assert "added to the gallery" in shown


def test_the_review_pages_carry_no_inline_script_or_style(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    cluster_id = next(iter(clusters_now(web_world)))
    pages = [
        (TESTER, f"/cases/{CASE}/clusters"),
        (TESTER, f"/cases/{CASE}/clusters/{cluster_id}"),
        (TESTER, f"/cases/{CASE}/search"),
        (SECOND, f"/cases/{CASE}/candidates"),
        (SECOND, f"/cases/{CASE}/candidates/{_candidate(web_world)}"),
        (GRANTOR, f"/cases/{CASE}/disputes"),
    ]
    for who, url in pages:
        response = client.get(url, headers=bearer(who))
        assert response.status_code == 200, url
        html = response.text
        assert "<script>" not in html and "style=" not in html and " on" + "click=" not in html
        assert all('src="/static/' in tag for tag in html.split("<script")[1:]), url


# ------------------------------------------------------------------ pictures


def _grey_jpeg(response: Any) -> Image.Image:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    return Image.open(io.BytesIO(response.content))


def _some_face(world: World) -> int:
    return int(cli_json(world, TESTER, "faces", "list", "--case", CASE)[0]["id"])


def test_a_face_is_served_blurred_and_grey_without_an_audit_event(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    face_id = _some_face(web_world)
    since = newest_seq(web_world)
    url = f"/cases/{CASE}/faces/{face_id}/picture?view=blurred&size=64"
    picture = _grey_jpeg(client.get(url, headers=bearer(SECOND)))
    assert picture.mode == "L" and max(picture.size) <= 64
    assert events(web_world, "face.reveal", since) == []


def test_revealing_a_face_is_one_audit_event(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    face_id = _some_face(web_world)
    since = newest_seq(web_world)
    answer = post(client, f"/cases/{CASE}/faces/{face_id}/reveal?size=128", headers=bearer(SECOND))
    assert answer.status_code == 200 and answer.headers["hx-trigger"] == "exposure"
    src = f"/cases/{CASE}/faces/{face_id}/picture?view=revealed&amp;size=128"
    assert f'src="{src}"' in answer.text and f'id="face-{face_id}"' in answer.text
    assert events(web_world, "face.reveal", since) == []  # nothing shown yet
    revealed = client.get(src.replace("&amp;", "&"), headers=bearer(SECOND))
    assert revealed.status_code == 200 and revealed.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(revealed.content)).mode == "RGB"
    (event,) = events(web_world, "face.reveal", since)
    assert event["actor"] == SECOND and event["detail"]["face_id"] == face_id


def test_a_gallery_face_is_blurred_unaudited_and_revealed_audited(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = _candidate(web_world)
    base = f"/cases/{CASE}/candidates/{candidate_id}/gallery-faces/1"
    since = newest_seq(web_world)
    blurred = _grey_jpeg(client.get(f"{base}/picture?view=blurred&size=64", headers=bearer(SECOND)))
    assert blurred.mode == "L"
    assert events(web_world, "face.reveal", since) == []
    answer = post(client, f"{base}/reveal?size=128", headers=bearer(SECOND))
    assert f'src="{base}/picture?view=revealed&amp;size=128"' in answer.text
    revealed = client.get(f"{base}/picture?view=revealed&size=128", headers=bearer(SECOND))
    assert Image.open(io.BytesIO(revealed.content)).mode == "RGB"
    (event,) = events(web_world, "face.reveal", since)
    assert event["detail"]["gallery_face_id"] == 1
    assert event["detail"]["candidate"] == candidate_id


def test_pictures_refuse_bad_views_other_identities_and_auditors(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    face_id = _some_face(web_world)
    since = newest_seq(web_world)
    face = f"/cases/{CASE}/faces/{face_id}/picture"
    assert client.get(f"{face}?view=raw", headers=bearer(SECOND)).status_code == 422
    assert client.get(f"{face}?size=4096", headers=bearer(SECOND)).status_code == 422
    base = f"/cases/{CASE}/candidates/{_candidate(web_world)}/gallery-faces"
    unknown = client.get(f"{base}/9999/picture?view=revealed", headers=bearer(SECOND))
    assert unknown.status_code == 404
    assert client.get(f"{face}?view=revealed", headers=bearer(AUDITOR)).status_code == 403
    assert events(web_world, "face.reveal", since) == []


def test_a_decision_under_another_cases_address_is_not_found_and_records_nothing(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    candidate_id = fresh_candidate(web_world)
    cli(web_world, TESTER, "case", "create", "C5", "--title", "elsewhere")
    cli(web_world, TESTER, "case", "member", "add", "C5", SECOND)
    since = newest_seq(web_world)
    form = {"outcome": "no_candidate", "note": "wrong address"}
    response = post(
        client, f"/cases/C5/candidates/{candidate_id}/decision", data=form, headers=bearer(SECOND)
    )
    refused(response, 404)
    assert events(web_world, "review.decide", since) == []


def test_a_probe_larger_than_an_ordinary_body_reaches_the_search(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    noise = Image.frombytes("RGB", (800, 800), bytes(range(256)) * 7500)
    data = io.BytesIO()
    noise.save(data, "PNG", compress_level=0)
    assert len(data.getvalue()) > 1_048_576  # web_max_body_bytes
    response = post(
        client,
        f"/cases/{CASE}/search",
        files={"probe": ("big.png", data.getvalue(), "image/png")},
        data=WHY,
        headers=bearer(TESTER),
    )
    assert "no face found" in refused(response, 400)
    assert list((web_world.home / "spool").iterdir()) == []


def test_a_face_under_another_cases_address_is_not_found_and_not_revealed(
    client: TestClient, bearer: Bearer, web_world: World
) -> None:
    face_id = _some_face(web_world)
    cli(web_world, TESTER, "case", "create", "C6", "--title", "elsewhere too")
    cli(web_world, TESTER, "case", "member", "add", "C6", SECOND)
    since = newest_seq(web_world)
    wrong = f"/cases/C6/faces/{face_id}/picture?view=revealed"
    assert client.get(wrong, headers=bearer(SECOND)).status_code == 404
    reveal = post(client, f"/cases/C6/faces/{face_id}/reveal", headers=bearer(SECOND))
    assert reveal.status_code == 404
    assert events(web_world, "face.reveal", since) == []


@pytest.fixture
def calibrated(web_world: World) -> Iterator[None]:
    """A calibration for the fake backend: FMR 0.001 up to distance 0.5 (removed after)."""
    backend = FAKE.name
    table = Calibration(
        backend=backend,
        points=(CalibrationPoint(0.5, 0.001, 0.2), CalibrationPoint(4.0, 0.5, 0.0)),
        genuine_comparisons=100,
        impostor_comparisons=1000,
        dataset="synthetic",
        seed=1,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    engine = create_engine(f"sqlite:///{web_world.home / 'genkend.sqlite'}")
    with engine.begin() as conn:
        made = conn.execute(
            text(
                "INSERT INTO calibrations (backend, table_json, created_at, created_by) "
                "VALUES (:b, :t, '2026-01-01T00:00:00Z', 'test') RETURNING id"
            ),
            {"b": backend, "t": table.to_json()},
        ).scalar_one()
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM calibrations WHERE id = :i"), {"i": made})
        engine.dispose()


def test_the_calibrated_false_match_rate_is_shown_on_the_result_and_the_candidate(
    client: TestClient, bearer: Bearer, web_world: World, calibrated: None
) -> None:
    response = post(
        client,
        f"/cases/{CASE}/search",
        files=_probe(web_world),
        data={**WHY, "max_distance": "2"},
        headers=bearer(TESTER),
    )
    assert response.status_code == 200, response.text
    assert "false-match rates unknown" not in response.text
    assert "<td>0.001</td>" in response.text
    candidate_id = fresh_candidate(web_world)
    page = client.get(f"/cases/{CASE}/candidates/{candidate_id}", headers=bearer(SECOND)).text
    assert '<dd class="fmr">0.001 (calibrated)</dd>' in page
