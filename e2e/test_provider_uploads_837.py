"""A provider drops an 837 on the upload page and reads its 999 and 277CA in words."""

from __future__ import annotations

import random
import re

from playwright.sync_api import expect

from edi.claims_out import write_837
from edi.interchange import Parties
from edi.tests.helpers import professional_claim


def test_provider_uploads_an_837_and_reads_its_999(page_as, api_as, visit, tmp_path):
    npi = api_as("provider").get("/api/v1/providers")["items"][0]["npi"]
    member_id = api_as("member").get("/api/v1/auth/me")["member_id"]
    member_number = api_as("insurer").get(f"/api/v1/members/{member_id}")["member_number"]
    number = random.randint(100_000, 999_999)  # a new interchange: not a duplicate of a past run
    claims = [
        professional_claim(
            n, billing_provider_npi=npi, subscriber_member_number=member_number,
            patient_member_number=member_number, patient_control_number=f"UP{number}{n}",
        )
        for n in (1, 2)
    ]  # fmt: skip
    parties = Parties(sender_id=f"E2E{number}", receiver_id="ASKES")
    path = tmp_path / "claims.837"
    path.write_text("".join(write_837(claims, "professional", parties, number)), "latin-1")

    page = page_as("provider")
    page.goto("/edi/upload")
    expect(page.get_by_role("heading", name="Upload an 837")).to_be_visible()
    visit(page, "provider-upload-837")
    page.locator("input[type=file]").set_input_files(str(path))

    expect(page.get_by_text("Functional group accepted")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("1 of 1 transaction sets accepted")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Transaction set 837 #\d+: accepted"))).to_be_visible()
    acknowledgment = page.get_by_role("table", name="Claims in the 277CA")
    for n in (1, 2):
        expect(acknowledgment).to_contain_text(f"UP{number}{n}")
    expect(acknowledgment).to_contain_text("A1 received")
    visit(page, "provider-upload-837-acknowledged")

    page.get_by_role("link", name="Open this file's page").click()
    expect(page.get_by_role("heading", name=re.compile(r"837 file #\d+"))).to_be_visible()
    expect(page.get_by_text("Functional group accepted")).to_be_visible()
    visit(page, "provider-edi-file")
