"""A provider finds claims, enters a professional claim in the form and sees its decision."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from e2e.measure import record_measure


def test_provider_submits_a_claim_and_sees_its_decision(page_as, api_as, visit):
    member_number = _covered_member_number(api_as)
    page = page_as("provider")

    page.goto("/")
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    expect(page.get_by_text("Paid", exact=True)).to_be_visible()
    visit(page, "provider-home")

    page.goto("/claims?decision=paid")
    expect(page.get_by_role("link", name=re.compile(r"^#\d+$")).first).to_be_visible()
    record_measure(page, "navigation to claims list rendered", "claims-list-rendered")
    # the filter came from the URL
    assert page.get_by_role("combobox", name="Decision").input_value() == "paid"
    visit(page, "provider-claims-list")

    # a search by patient name: the name never reaches the portal's URL
    last_name = _covered_member(api_as)["last_name"]
    prefix = last_name[:3].lower()
    found = api_as("provider").get(
        "/api/v1/claims", patient_name=prefix, decision="paid", page_size=25
    )
    page.get_by_label("Patient name").fill(prefix)
    page.get_by_role("button", name="Search").click()
    if found["items"]:
        first = found["items"][0]["id"]
        expect(page.get_by_role("link", name=f"#{first}", exact=True)).to_be_visible()
    else:
        expect(page.get_by_text("No claims match these filters")).to_be_visible()
    assert prefix not in page.url.lower() and "patient_name" not in page.url

    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    expect(page.get_by_role("table", name="Service lines")).to_be_visible()
    expect(page.get_by_text("Plan paid")).to_be_visible()
    visit(page, "provider-claim-detail")

    pcn = f"E2E{uuid.uuid4().hex[:10].upper()}"
    page.goto("/claims/new")
    page.get_by_label("Patient control number").fill(pcn)
    page.get_by_label("Member number").fill(member_number)
    page.get_by_role("combobox", name="Diagnosis codes (ICD-10, comma separated)").fill("J20.9")
    procedure = page.get_by_role("combobox", name="Line 1 procedure")
    procedure.fill("9921")
    page.get_by_role("option", name=re.compile(r"^99213 ")).click()  # the server's look-up
    assert procedure.input_value() == "99213"
    page.get_by_label("Line 1 charge ($)").fill("150.00")
    page.get_by_role("button", name="Add a line").click()
    page.get_by_role("combobox", name="Line 2 procedure").fill("36415")
    page.get_by_label("Line 2 charge ($)").fill("20.50")
    expect(page.get_by_text("Total billed: $170.50")).to_be_visible()
    page.get_by_role("button", name="Check with the server").click()
    expect(page.get_by_text("The server finds nothing wrong")).to_be_visible()
    visit(page, "provider-new-claim-form")

    page.get_by_role("button", name="Submit claim").click()
    decision = page.get_by_role("region", name="Decision")
    expect(decision).to_be_visible(timeout=15_000)
    record_measure(page, "submit to decision shown", "claim-decision-shown", start="claim-submit")
    heading = decision.get_by_role("heading", name=re.compile("Decision for claim"))
    claim_id = int(re.search(r"#(\d+)", heading.inner_text()).group(1))
    visit(page, "provider-new-claim-decision")

    stored = api_as("provider").get(f"/api/v1/claims/{claim_id}")
    assert stored["patient_control_number"] == pcn
    assert stored["total_charge_cents"] == 17050
    expect(heading).to_contain_text(stored["decision"] or stored["status"])


def _covered_member_number(api_as) -> str:
    return _covered_member(api_as)["member_number"]


def _covered_member(api_as) -> dict:
    member_id = api_as("member").get("/api/v1/auth/me")["member_id"]
    return api_as("insurer").get(f"/api/v1/members/{member_id}")
