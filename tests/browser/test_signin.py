"""Signing in, in a real browser: the form, its error, and the pages' own scripts.

Each test opens its own browser context (its own cookies) on the module's live server.
"""

from __future__ import annotations

from .conftest import Live, OpenContext, Shots

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
