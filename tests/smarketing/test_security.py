"""Security headers, a Content Security Policy with no inline script, login throttling."""

import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.support.messaging_factories import make_message, publish

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_every_page_sends_the_security_headers(client_for, marketer):
    response = client_for(marketer).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("persona", ["marketer", "rep_a", "manager_a", "admin"])
def test_pages_carry_no_inline_script_for_the_csp_to_block(request, client_for, marketer, persona):
    message = make_message(
        marketer, body="Hello <script>alert(1)</script> [x](javascript:alert(1))"
    )
    publish(message, marketer)
    client = client_for(request.getfixturevalue(persona))
    urls = ["/", reverse("messaging:message_library"),
            reverse("messaging:message_detail", args=[message.pk]),
            reverse("notifications:notification_list"), reverse("leads:home")]  # fmt: skip
    if persona == "marketer":
        urls += [reverse("messaging:message_create"), reverse("feedback:suggestion_inbox")]
    for url in urls:
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), url
        assert not INLINE_HANDLER.findall(html), url


def test_five_wrong_passwords_lock_the_account_from_that_address(client, rep_a, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.post(reverse("login"), {"username": "rep_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "rep_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert client.get("/").status_code == 302  # still logged out


def test_a_good_password_resets_the_failure_count(client, rep_a, settings):
    settings.AXES_ENABLED = True
    for _ in range(4):
        client.post(reverse("login"), {"username": "rep_a", "password": "wrong"})
    assert (
        client.post(reverse("login"), {"username": "rep_a", "password": PASSWORD}).status_code
        == 302
    )
    client.post(reverse("logout"))
    for _ in range(4):
        client.post(reverse("login"), {"username": "rep_a", "password": "wrong"})
    assert (
        client.post(reverse("login"), {"username": "rep_a", "password": PASSWORD}).status_code
        == 302
    )


def test_csrf_is_enforced_on_writes(rep_a, marketer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    response = client.post(reverse("messaging:message_create"), {"title": "x"})
    assert response.status_code == 403
