"""An insurer decides a pended claim in the workbench and it leaves the queue; then closes a
payment cycle and reads one of its 835s."""

from __future__ import annotations

import re

from playwright.sync_api import expect

SECOND_APPROVAL_CENTS = 500_000  # above this a decision waits for a second reviewer


def test_insurer_approves_a_pended_claim_then_runs_a_payment_cycle(page_as, api_as, visit):
    insurer = api_as("insurer")
    queue = insurer.get("/api/v1/review/claims", sort="billed", page_size=20)["items"]
    pended = next(item for item in queue if item["billed_cents"] < SECOND_APPROVAL_CENTS)
    claim_id = pended["id"]

    page = page_as("insurer")
    page.goto("/review?sort=billed")
    expect(page.get_by_role("link", name=f"#{claim_id}", exact=True)).to_be_visible()
    visit(page, "insurer-review-queue")

    page.get_by_role("link", name=f"#{claim_id}", exact=True).click()
    panel = page.get_by_role("region", name="Decide this claim")
    expect(panel).to_be_visible()
    why = page.get_by_role("region", name="Why it pended")  # the reasons the queue listed
    expect(why).to_contain_text(pended["risk_reasons"][0]["detail"])
    panel.get_by_role("button", name="Take this claim").click()
    expect(panel.get_by_text("You hold this claim")).to_be_visible()
    visit(page, "insurer-workbench")
    panel.get_by_label("Note").fill("Records reviewed; services match the diagnosis.")
    panel.get_by_role("button", name="Record the decision").click()
    expect(panel.get_by_role("status")).to_contain_text("final")
    visit(page, "insurer-decided")

    assert insurer.get(f"/api/v1/claims/{claim_id}")["decision"] == "paid"
    page.goto("/review?sort=billed")
    expect(page.get_by_role("table", name="Pended claims")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("link", name=f"#{claim_id}", exact=True)).to_have_count(0)

    page.goto("/payment-cycles")
    page.get_by_role("button", name="Run a payment cycle").click()
    page.get_by_role("button", name="Run the payment cycle").click()
    cycle_heading = page.get_by_role("heading", name=re.compile(r"Payment cycle #\d+"))
    expect(cycle_heading).to_be_visible(timeout=60_000)
    cycle_id = int(re.search(r"/payment-cycles/(\d+)", page.url).group(1))
    cycle = insurer.get(f"/api/v1/payment-cycles/{cycle_id}")
    assert cycle["claim_count"] > 0
    files = page.get_by_role("table", name="835 files of this cycle")
    expect(files.get_by_role("row")).to_have_count(len(cycle["files"]) + 1)
    visit(page, "insurer-payment-cycle")

    files.get_by_role("link").first.click()
    expect(page.get_by_role("table", name="Claims in this remittance")).to_be_visible()
    visit(page, "insurer-remittance")

    page.goto("/reports")
    page.wait_for_load_state("networkidle")
    headline = page.get_by_text(re.compile("of finalized claims decided without a human"))
    expect(headline).to_be_visible()
    visit(page, "insurer-dashboards")
