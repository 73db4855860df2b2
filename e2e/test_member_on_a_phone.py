"""A member reads an explanation of benefits on a phone: the menu folds behind a button, the
money reads without sideways scrolling, and the page passes the accessibility scan."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def test_member_reads_an_eob_on_a_phone(page_as, api_as, visit):
    member = api_as("member")
    (claim,) = member.get("/api/v1/claims", decision="paid", page_size=1)["items"]
    you_owe = member.get(f"/api/v1/claims/{claim['id']}/eob")["totals"]["you_owe_cents"]

    page = page_as("member")
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.get_by_role("button", name="Open the menu")).to_be_visible()
    expect(page.get_by_role("link", name="Coverage")).not_to_be_in_viewport()
    page.get_by_role("link", name=re.compile(rf"claim #{claim['id']}\)")).click()
    expect(page.get_by_role("heading", name="Explanation of benefits")).to_be_visible()
    expect(page.locator("[data-amount=you_owe_cents]")).to_have_text(f"${you_owe / 100:,.2f}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px on a phone"
    visit(page, "member-eob-phone")
