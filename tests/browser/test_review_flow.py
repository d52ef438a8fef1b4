"""The identification workflow in a real browser, each step as the person who does it.

An investigator runs an authorised gallery search from its form; two reviewers decide
the same candidate blind, each in a browser context of their own, and each sees the
other's decision only after giving theirs; the auditor reads the decisions in the audit
trail, on pages that carry no imagery. Facts are checked on the pages and, for what the
server recorded, through the audit trail read with the CLI.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Live, Shots, SignedIn
from .world import AUDITOR, PURPOSE


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
