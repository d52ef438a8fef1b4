"""Signing in, in a real browser: the form, its error, and the pages' own scripts.

Each test opens its own browser context (its own cookies) on the module's live server.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Live, OpenContext, Shots, sign_in
from .world import CASE, INVESTIGATOR, audit_events

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def test_a_page_without_a_session_shows_the_sign_in_form_and_runs_its_scripts(
    live: Live, contexts: OpenContext, shots: Shots
) -> None:
    page = contexts().new_page()
    response = page.goto("/cases")
    shots(page, "sign-in")
    assert response is not None and response.status == 401
    assert all(h in response.headers for h in SECURITY_HEADERS)
    assert page.get_by_role("button", name="Sign in").is_visible()
    # The vendored htmx (a file under /static) ran: the CSP let it, and nothing inline.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0


def test_a_wrong_password_shows_the_error_and_the_right_one_lands_on_the_case_list(
    live: Live, contexts: OpenContext, shots: Shots
) -> None:
    page = contexts().new_page()
    sign_in(page, INVESTIGATOR, password="not-the-password-at-all")
    shots(page, "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("wrong user name, password or code")
    assert not [c for c in page.context.cookies() if c["name"] == "genkend_session"]
    failures = audit_events(live.world, "auth.login.failed")
    assert [e["actor"] for e in failures] == [INVESTIGATOR]
    assert "not-the-password" not in str(failures)

    sign_in(page, INVESTIGATOR)
    shots(page, "case-list")
    assert page.url == f"{live.url}/cases"
    expect(page.locator("h1")).to_have_text("Cases")
    expect(page.get_by_role("link", name=CASE)).to_be_visible()
    expect(page.locator("header .account")).to_have_text(INVESTIGATOR)
