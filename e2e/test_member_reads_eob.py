"""A member opens a claim's explanation of benefits; its numbers equal the API's. Then the
coverage page's deductible and out-of-pocket bars against the plan's limits."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def dollars(cents: int) -> str:
    return f"-${-cents / 100:,.2f}" if cents < 0 else f"${cents / 100:,.2f}"


def test_member_eob_numbers_equal_the_api(page_as, api_as, visit):
    member = api_as("member")
    claims = member.get("/api/v1/claims", decision="paid", page_size=5)["items"]
    assert claims, "the demo household has paid claims"
    claim_id = claims[0]["id"]
    eob = member.get(f"/api/v1/claims/{claim_id}/eob")

    page = page_as("member")
    page.goto("/")
    expect(page.get_by_role("heading", name="My claims")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"claim #{claim_id}\)"))).to_be_visible()
    visit(page, "member-my-claims")

    page.get_by_role("link", name=re.compile(rf"claim #{claim_id}\)")).click()
    expect(page.get_by_role("heading", name="Explanation of benefits")).to_be_visible()
    totals = eob["totals"]
    for field in ("billed_cents", "plan_discount_cents", "plan_paid_cents", "you_owe_cents"):
        expect(page.locator(f"[data-amount={field}]")).to_have_text(dollars(totals[field]))
    why = f"Why you owe {dollars(totals['you_owe_cents'])}"
    expect(page.get_by_role("heading", name=why)).to_be_visible()
    visit(page, "member-eob")

    page.get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("region", name="Coverage card")).to_be_visible()
    member_id = member.get("/api/v1/auth/me")["member_id"]
    accumulators = member.get(f"/api/v1/members/{member_id}/accumulators")
    network = accumulators["plans"][0]["networks"][0]
    deductible = network["individual"]["deductible"]
    bar = page.get_by_role("progressbar", name=re.compile(r"^Deductible \(")).first
    expected = f"{_short(deductible['met_cents'])} of {_short(deductible['limit_cents'])} met"
    if deductible["remaining_cents"] == 0 and deductible["met_cents"] < deductible["limit_cents"]:
        expected += " (your family met it)"  # embedded family limits: the demo family met it
    expect(bar).to_have_attribute("aria-valuetext", expected)
    visit(page, "member-coverage")

    # who has looked at my records: the coverage page just read the member's accumulators
    page.get_by_role("link", name="Who looked").click()
    log = page.get_by_role("table", name="Who has looked at my records")
    expect(log).to_be_visible()
    expect(log.get_by_text("viewed your deductible and out-of-pocket").first).to_be_visible()
    newest = member.get(f"/api/v1/members/{member_id}/access-log")["items"][0]
    expect(log.get_by_role("cell", name=newest["username"]).first).to_be_visible()
    visit(page, "member-access-log")


def _short(cents: int) -> str:
    return f"${cents // 100:,}" if cents % 100 == 0 else dollars(cents)
