"""Logging in and out, and every page requiring login."""

from django.urls import reverse

from tests.conftest import PASSWORD


def test_a_page_visited_logged_out_redirects_to_login_and_back_after_it(client, rep_a):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"

    response = client.post(
        reverse("login"), {"username": "rep_a", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_an_error_and_keeps_the_username(client, rep_a):
    response = client.post(reverse("login"), {"username": "rep_a", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert 'value="rep_a"' in response.content.decode()


def test_logout_needs_a_post_and_ends_the_session(client_for, rep_a):
    client = client_for(rep_a)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_admin_site_is_open_to_an_admin_only(client_for, admin, marketer):
    assert client_for(admin).get("/admin/").status_code == 200
    client = client_for(marketer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_can_manage_users_teams_and_groups(client_for, admin, rep_a):
    client = client_for(admin)
    for url in (
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/leads/team/",
        "/admin/leads/teammembership/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get("/admin/auth/user/?q=rep_a").content.decode()
    assert "Team A" in page and "Sales" in page
