"""A member who types an admin address sees a refusal; the server refused the data (403)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_member_typing_an_admin_url_is_refused(page_as, visit):
    page = page_as("member")
    page.goto("/")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Users")).to_have_count(0)

    with page.expect_response(lambda response: "/api/v1/users" in response.url) as answer:
        page.goto("/admin/users")
    assert answer.value.status in (403, 404)
    expect(page.get_by_role("alert")).to_contain_text("You do not have access")
    visit(page, "member-refused-admin-users")


def test_logged_out_visitor_goes_to_login_and_back(browser, base_url, visit):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/claims")
    expect(page.get_by_role("heading", name="Askes portal")).to_be_visible()
    assert "next=%2Fclaims" in page.url
    visit(page, "login")
    page.get_by_label("Username").fill("provider")
    page.get_by_role("textbox", name="Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong username or password")
    from e2e.conftest import DEMO_PASSWORD

    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims")).to_be_visible()

    context.clear_cookies()  # the session ends: the next call is a 401, and the portal says so
    page.get_by_role("link", name="Remittances").click()
    expect(page.get_by_text("Your session ended")).to_be_visible()
    context.close()
