"""The identification workflow in a real browser, each step as the person who does it.

An investigator runs an authorised gallery search from its form; two reviewers decide
the same candidate blind, each in a browser context of their own, and each sees the
other's decision only after giving theirs; the auditor reads the decisions in the audit
trail, on pages that carry no imagery. A face on a cluster page stays blurred until a
reviewer reveals it, one audited reveal per click. Facts are checked on the pages and,
for what the server recorded, through the audit trail read with the CLI.
"""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, Page, expect

from .conftest import Live, Shots, SignedIn, pictures_loaded
from .world import (
    AUDITOR,
    CASE_URL,
    INVESTIGATOR,
    LEGAL_BASIS,
    PURPOSE,
    REVIEWER_A,
    REVIEWER_B,
    audit_events,
)


def test_an_investigator_runs_an_authorised_gallery_search_from_its_form(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    page = signed_in(INVESTIGATOR)
    page.goto(f"{CASE_URL}/search")
    shots(page, "search-form")
    expect(page.locator("section.authorisation")).to_contain_text("Court X, reference R-1")
    before = len(audit_events(live.world, "search.gallery"))
    page.get_by_label("Probe photo").set_input_files(live.world.probe)
    page.get_by_label("Purpose").fill(PURPOSE)
    page.get_by_label("Legal basis").fill(LEGAL_BASIS)
    page.get_by_label("Largest distance").fill("2")
    page.get_by_role("button", name="Search the gallery").click()
    shots(page, "search-result")
    proposed = page.locator("table.candidates tbody tr")
    expect(proposed).to_have_count(1)
    expect(proposed).to_contain_text("Known-Bob")
    searches = audit_events(live.world, "search.gallery")
    assert len(searches) == before + 1
    assert searches[-1]["actor"] == INVESTIGATOR
    assert searches[-1]["detail"]["purpose"] == PURPOSE
    link = proposed.get_by_role("link")
    new_candidate = int((link.get_attribute("href") or "").rsplit("/", 1)[-1])
    assert new_candidate not in [c["id"] for c in live.world.ids["candidates"]]

    # The candidate it proposed awaits the reviewers (the searcher cannot review it).
    reviewer = signed_in(REVIEWER_A)
    reviewer.goto(f"{CASE_URL}/candidates")
    shots(reviewer, "awaiting-review")
    expect(reviewer.locator(f'a[href$="/candidates/{new_candidate}"]')).to_be_visible()
    page.goto(f"{CASE_URL}/candidates/{new_candidate}")
    assert "403" in page.inner_text("h1")


def _decide(page: Page, outcome: str, note: str) -> None:
    asked: list[str] = []

    def confirm(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.get_by_label(outcome).check()
    page.get_by_label("Reasons").fill(note)
    page.get_by_role("button", name="Record my decision").click()
    page.wait_for_load_state()
    assert asked and "cannot be changed" in asked[0]


def _sources(page: Page) -> list[str | None]:
    pictures = page.locator("main img")
    return [pictures.nth(n).get_attribute("src") for n in range(pictures.count())]


def _decisions_shown(page: Page) -> str:
    return page.locator("section.decision").inner_text()


def test_two_reviewers_confirm_a_candidate_blind_in_two_browser_contexts(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    candidate = live.world.ids["candidates"][0]["id"]
    url = f"{CASE_URL}/candidates/{candidate}"
    rita, rolf = signed_in(REVIEWER_A), signed_in(REVIEWER_B)
    for page in (rita, rolf):
        page.goto(url)
    # The gallery identity's face is there, blurred (the server's view), and it loads.
    assert pictures_loaded(rita) >= 1
    assert all("view=blurred" in (s or "") for s in _sources(rita))
    shots(rita, "rita-before")
    for page in (rita, rolf):
        expect(page.get_by_role("button", name="Record my decision")).to_be_visible()

    _decide(rita, "Potential candidate", "same scar above the left eye")
    shots(rita, "rita-decided")
    assert "same scar above the left eye" in _decisions_shown(rita)
    assert "Awaiting its second decision" in _decisions_shown(rita)

    rolf.reload()
    shots(rolf, "rolf-before")
    # Still blind: nothing of rita's decision, not even that there is one.
    assert "rita" not in _decisions_shown(rolf)
    assert "scar" not in rolf.content()
    _decide(rolf, "Potential candidate", "ear shape matches")
    shots(rolf, "rolf-decided")
    shown = _decisions_shown(rolf)
    assert "identified" in shown
    assert "same scar above the left eye" in shown and "ear shape matches" in shown

    rita.reload()
    shots(rita, "rita-after")
    assert "ear shape matches" in _decisions_shown(rita)
    decided = audit_events(live.world, "review.decide")
    assert [e["actor"] for e in decided] == [REVIEWER_A, REVIEWER_B]
    assert decided[-1]["detail"]["status"] == "identified"

    auditor = signed_in(AUDITOR)
    auditor.goto("/audit?action=review.decide")
    shots(auditor, "audit-decisions")
    rows = auditor.locator("table.audit tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(REVIEWER_B)
    expect(rows.last).to_contain_text(REVIEWER_A)
    expect(auditor.locator("img")).to_have_count(0)


def test_the_auditor_reads_the_trail_and_its_chain_and_sees_no_imagery(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    page = signed_in(AUDITOR)
    for address, name in (
        ("/audit", "trail"),
        ("/audit/verify", "verify"),
        ("/audit/usage", "usage"),
    ):
        page.goto(address)
        shots(page, name)
        expect(page.locator("img")).to_have_count(0)
    page.goto("/audit?action=search.gallery")
    expect(page.locator("table.audit")).to_contain_text(PURPOSE)
    page.goto("/audit/verify")
    expect(page.get_by_role("status")).to_contain_text("The chain is intact")


def test_a_face_is_blurred_until_revealed_and_one_click_is_one_audited_reveal(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    page = signed_in(REVIEWER_A)
    page.goto(f"{CASE_URL}/clusters")
    shown = pictures_loaded(page)
    shots(page, "clusters")
    assert shown == 3  # alice once, bob twice
    assert all("view=blurred" in (s or "") for s in _sources(page))
    before = audit_events(live.world, "face.reveal")

    first = page.locator("figure.face").first
    face = first.get_attribute("id")
    first.get_by_role("button", name="Reveal").click()
    revealed = page.locator(f"#{face}.revealed img")
    expect(revealed).to_have_attribute("src", re.compile("view=revealed"))
    pictures_loaded(page, f"#{face} img")
    shots(page, "face-revealed")
    after = audit_events(live.world, "face.reveal")
    assert len(after) == len(before) + 1
    assert after[-1]["actor"] == REVIEWER_A
    assert sum("view=blurred" in (s or "") for s in _sources(page)) == shown - 1
