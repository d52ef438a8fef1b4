"""An ingest's results in a real browser, and a picture revealed one at a time.

The investigator reads the case's figures on its dashboard and walks the triage grid by
its filters; a reviewer opens a picture, which the server sends blurred and greyscale
until they reveal it with a deliberate click (an event of the audit trail), and which
is blurred again when the page is opened anew. Greyscale or colour is read from the
pixels the browser decoded.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .conftest import Live, Shots, SignedIn, pictures_loaded
from .world import CASE, CASE_URL, INVESTIGATOR, REVIEWER_A, audit_events

# The largest difference between two colour channels of any pixel the browser decoded:
# about 0 for a greyscale picture (JPEG rounding aside), large for the painted faces.
COLOURFULNESS = """img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let most = 0;
  for (let i = 0; i < data.length; i += 4) {
    most = Math.max(most, Math.abs(data[i] - data[i + 1]), Math.abs(data[i + 1] - data[i + 2]));
  }
  return most;
}"""


def _cells(page: Page) -> Locator:
    return page.locator(".grid .cell")


def _names(page: Page) -> list[str]:
    return sorted(_cells(page).locator(".name").all_inner_texts())


def test_an_investigator_sees_the_ingest_on_the_dashboard_and_in_the_triage_grid(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    page = signed_in(INVESTIGATOR)
    page.get_by_role("link", name=CASE).click()
    shots(page, "dashboard")
    figures = {"media": 5, "new": 4, "known": 1, "errors": 1, "with_faces": 2, "faces": 3}
    for figure, count in {**figures, "clusters": 2}.items():
        expect(page.locator(f'[data-count="{figure}"]')).to_have_text(str(count))
    expect(page.locator("table.runs tbody tr")).to_contain_text("done")
    expect(page.locator("table.runs tbody tr")).to_contain_text("5 items read")

    page.locator('[data-count="known"]').click()
    pictures_loaded(page, ".grid .cell img")
    shots(page, "grid-known")
    assert _names(page) == ["d.png"]
    for name, wanted in (
        ("Has faces", ["a.png", "b.png"]),
        ("Errors", ["e.png"]),
        ("All", ["a.png", "b.png", "c.png", "d.png", "e.png"]),
    ):
        page.locator(".filters").get_by_role("link", name=name, exact=True).click()
        # Every thumbnail is the server's blurred view, and the browser decodes it.
        shown = pictures_loaded(page, ".grid .cell img")
        shots(page, f"grid-{name}")
        assert _names(page) == wanted, name
    assert shown == 4  # e.png is no picture
    thumbnails = _cells(page).locator("img")
    for source in [thumbnails.nth(n).get_attribute("src") or "" for n in range(4)]:
        assert "view=blurred" in source
    expect(_cells(page).filter(has_text="e.png").locator(".badge.error")).to_be_visible()


def test_a_picture_stays_blurred_until_revealed_and_the_reveal_is_audited(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    media = live.world.ids["media"]["a.png"]
    page = signed_in(REVIEWER_A)
    page.goto(f"{CASE_URL}/media/{media}")
    picture = page.locator("#picture")
    pictures_loaded(page, "#picture")
    shots(page, "blurred")
    assert "view=blurred" in (picture.get_attribute("src") or "")
    assert picture.evaluate(COLOURFULNESS) <= 8
    expect(page.locator("svg.boxes rect")).to_have_count(2)  # alice and bob
    expect(page.locator("#exposure")).to_contain_text("Revealed today: 0")
    before = audit_events(live.world, "media.reveal")

    page.get_by_role("button", name="Reveal").click()
    expect(picture).to_have_attribute("src", re.compile(r"view=revealed&.*reveal=\d+"))
    pictures_loaded(page, "#picture")
    expect(page.locator("#exposure")).to_contain_text("Revealed today: 1")
    shots(page, "revealed")
    assert picture.evaluate(COLOURFULNESS) > 60
    revealed = audit_events(live.world, "media.reveal")
    assert len(revealed) == len(before) + 1
    assert revealed[-1]["actor"] == REVIEWER_A
    assert media in revealed[-1]["detail"].values()

    page.reload()
    pictures_loaded(page, "#picture")
    shots(page, "blurred-again")
    assert "view=blurred" in (picture.get_attribute("src") or "")
    assert len(audit_events(live.world, "media.reveal")) == len(revealed)
