"""The session in a real browser: what its cookie allows, and what another site cannot do.

The session cookie is HttpOnly (no script of a page reads it), Secure and SameSite; a
form on another origin that posts to genkend with the victim's cookie is refused for
want of the session's CSRF token and changes nothing; a cookie value replayed after
sign-out is worth nothing.
"""

from __future__ import annotations

from html import escape

import pytest
from playwright.sync_api import expect

from .conftest import Live, OpenContext, Shots, SignedIn, another_origin, sign_in
from .world import CASE_URL, REVIEWER_A, REVIEWER_B, audit_events, password_of

SESSION_COOKIE = "genkend_session"


def test_the_session_cookie_is_httponly_secure_samesite_and_unreadable_by_script(
    live: Live, signed_in: SignedIn, shots: Shots
) -> None:
    page = signed_in(REVIEWER_A)
    shots(page, "signed-in")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] in ("Strict", "Lax")
    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()


@pytest.mark.parametrize(
    ("attacker", "status", "why"),
    [
        # Same site, another origin (port): the cookie goes along, the CSRF token does not.
        ("127.0.0.1", 403, "CSRF token"),
        # Another site: the SameSite cookie is not even sent.
        ("localhost", 401, "Sign in"),
    ],
)
def test_a_form_on_another_origin_cannot_decide_for_a_signed_in_reviewer(
    live: Live, signed_in: SignedIn, shots: Shots, attacker: str, status: int, why: str
) -> None:
    candidate = live.world.ids["candidates"][0]["id"]
    target = f"{live.url}{CASE_URL}/candidates/{candidate}/decision"
    attack = (
        f'<form id="f" method="post" action="{escape(target)}">'
        '<input name="outcome" value="no_candidate"><input name="note" value="forged"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    page = signed_in(REVIEWER_A)
    before = audit_events(live.world, "review.decide")
    with another_origin(attack) as evil:
        with page.expect_response(target) as answered:
            page.goto(evil.replace("127.0.0.1", attacker))
        response = answered.value
    page.wait_for_load_state()
    shots(page, "forged-decision")
    assert response.status == status
    assert why in page.inner_text("main")
    assert audit_events(live.world, "review.decide") == before
    page.goto(f"{CASE_URL}/candidates/{candidate}")
    shots(page, "candidate-still-open")
    expect(page.get_by_role("button", name="Record my decision")).to_be_visible()


def test_a_form_on_another_origin_cannot_sign_a_browser_into_its_account(
    live: Live, contexts: OpenContext, shots: Shots
) -> None:
    """Login CSRF: the attacker's page posts its own account's credentials."""
    page = contexts().new_page()
    page.goto("/login")  # the victim's browser holds a sign-in token cookie of its own
    attack = (
        f'<form id="f" method="post" action="{escape(live.url)}/login">'
        f'<input name="username" value="{REVIEWER_B}">'
        f'<input name="password" value="{escape(password_of(REVIEWER_B))}">'
        '<input name="csrf_token" value="guessed"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    with another_origin(attack) as evil, page.expect_response(f"{live.url}/login") as answered:
        page.goto(evil)
    page.wait_for_load_state()
    shots(page, "forged-sign-in")
    assert answered.value.status == 403
    assert "did not come from the sign-in page" in page.inner_text("main")
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert not [e for e in audit_events(live.world, "auth.login") if e["actor"] == REVIEWER_B]


def test_after_sign_out_the_old_cookie_is_refused(
    live: Live, contexts: OpenContext, shots: Shots
) -> None:
    context = contexts()
    page = context.new_page()
    sign_in(page, REVIEWER_A)
    (cookie,) = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    shots(page, "signed-out")

    thief = contexts()
    thief.add_cookies([cookie])
    stolen = thief.new_page()
    response = stolen.goto("/cases")
    shots(stolen, "replayed-cookie")
    assert response is not None and response.status == 401
    expect(stolen.get_by_role("button", name="Sign in")).to_be_visible()
    api = thief.request.get("/api/v1/cases")
    assert api.status == 401
