"""Each role logs in through the browser and lands on its own home page."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(
    ("persona", "home_card"),
    [("marketer", "marketing"), ("rep_a", "sales"), ("manager_a", "manager"), ("admin", "admin")],
)
def test_each_role_logs_in_and_sees_its_home(request, page, login, persona, home_card):
    user = request.getfixturevalue(persona)
    login(user)
    expect(page.locator(f'[data-role-home="{home_card}"]')).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_wrong_password_shows_an_error(page, rep_a):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("rep_a")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()


def test_a_logged_out_visit_goes_to_login_and_back(page, live_server, rep_a):
    from tests.conftest import PASSWORD

    page.goto("/?from=bookmark")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("rep_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/?from=bookmark")
    expect(page.locator('[data-role-home="sales"]')).to_be_visible()
