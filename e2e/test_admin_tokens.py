"""An admin creates an API token with a scope, sees it once, uses it, revokes it, and the revoked
token is refused. Also the admin's other screens: users, audit log, system status."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_admin_creates_and_revokes_a_token(page_as, playwright, base_url, visit):
    name = f"e2e-etl-{uuid.uuid4().hex[:6]}"
    page = page_as("admin")
    page.goto("/admin/tokens")
    form = page.get_by_role("form", name="Create a token")
    form.get_by_role("combobox", name="Acts as user").click()
    page.get_by_role("option", name="insurer", exact=True).click()
    form.get_by_label("Token name").fill(name)
    form.get_by_role("combobox", name="Scopes").click()
    page.get_by_role("option", name="claims:read", exact=True).click()
    page.keyboard.press("Escape")
    form.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-token").inner_text().strip()
    assert secret.startswith("askes_")
    visit(page, "admin-token-created")

    api = playwright.request.new_context(base_url=base_url)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/claims", headers=bearer).status == 200
    assert api.get("/api/v1/users", headers=bearer).status == 403  # only the scope it was given

    page.get_by_role("button", name=f"Revoke {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("button", name=f"Revoke {name}")).to_have_count(0)
    assert api.get("/api/v1/claims", headers=bearer).status == 401
    api.dispose()
    visit(page, "admin-token-revoked")

    for path, heading, name in (
        ("/admin/users", "Users", "admin-users"),
        ("/admin/audit", "Audit log", "admin-audit"),
        ("/admin/status", "System status", "admin-status"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        visit(page, name)
    expect(page.get_by_role("table", name="Ready checks")).to_contain_text("postgres")
