"""Personal API tokens: shown once, kept only as a digest, revocable, expiring, rate-
limited, and named in the audit trail of every write made with them."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create, token_revoke
from smarketing.models import AuditEntry
from tests.api.conftest import ApiClient


def test_a_token_is_shown_once_and_stored_only_as_its_digest(client, marketer):
    client.force_login(marketer)
    page = client.post(reverse("api:tokens"), {"name": "CRM sync"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    raw = page.context["raw"]
    assert raw.startswith("smk_") and raw.encode() in page.content
    token = ApiToken.objects.get()
    assert raw not in (token.digest, token.prefix) and len(token.digest) == 64
    assert raw.encode() not in client.get(reverse("api:tokens")).content  # never again


def test_the_token_acts_as_its_owner_and_records_its_last_use(client, marketer):
    token, raw = token_create(user=marketer, name="CRM sync")
    assert token.last_used_at is None
    response = ApiClient(client, raw).get("/api/v1/versions/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer smk_deadbeef_wrong", "Bearer nonsense", "Bearer", "Bearer a b", "Token smk_x_y"],
)
def test_a_wrong_token_is_a_401_in_json(client, marketer, header):
    token_create(user=marketer, name="CRM sync")
    response = client.get("/api/v1/versions/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_token_stops_working_at_once(client, marketer):
    token, raw = token_create(user=marketer, name="CRM sync")
    api = ApiClient(client, raw)
    assert api.get("/api/v1/versions/").status_code == 200
    client.force_login(marketer)
    client.post(reverse("api:token_revoke", args=[token.pk]))
    assert api.get("/api/v1/versions/").status_code == 401
    assert AuditEntry.objects.filter(action="api.token.revoke").exists()


def test_only_its_owner_revokes_a_token(client, marketer, rep_a):
    token, _raw = token_create(user=marketer, name="CRM sync")
    client.force_login(rep_a)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, user=rep_a)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused(client, marketer):
    token, raw = token_create(
        user=marketer, name="CRM sync", expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(client, raw).get("/api/v1/versions/").status_code == 401


def test_a_token_of_a_deactivated_person_is_refused(client, marketer):
    _token, raw = token_create(user=marketer, name="CRM sync")
    marketer.is_active = False
    marketer.save()
    assert ApiClient(client, raw).get("/api/v1/versions/").status_code == 401


def test_a_write_is_audited_with_the_token_named(client, marketer):
    token, raw = token_create(user=marketer, name="Vendor feed")
    response = ApiClient(client, raw).post("/api/v1/leads/", {"email": "ada@example.com"})
    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="api.lead.create")
    assert entry.actor == marketer
    assert entry.after["token"] == token.label == f"Vendor feed [{token.prefix}]"


def test_too_many_requests_are_a_429_with_retry_after(client, marketer, settings):
    settings.API_TOKEN_RATE = "3/minute"
    token, raw = token_create(user=marketer, name="CRM sync")
    cache.delete(f"throttle_api_token_{token.pk}")
    api = ApiClient(client, raw)
    assert [api.get("/api/v1/versions/").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/api/v1/versions/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"].lower()
    # Another person's token has its own allowance.
    other, other_raw = token_create(user=marketer, name="Phone system")
    cache.delete(f"throttle_api_token_{other.pk}")
    assert ApiClient(client, other_raw).get("/api/v1/versions/").status_code == 200
    cache.delete_many([f"throttle_api_token_{t.pk}" for t in (token, other)])
