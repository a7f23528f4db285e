"""The API's list and create endpoints run the same number of SQL queries at two data
sizes (seed_scale's, the second ten times the first), under the ceilings stated here.
The token lookup, the roles and the audit entry are counted in."""

import json
from itertools import count
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookDelivery, WebhookSubscription
from api.tokens import token_create
from devtools.scale import scale_seed
from leads.models import Lead
from messaging.models import MessageVersion
from tests.smarketing.test_query_budgets import LARGE, SMALL, _empty_the_company

# endpoint: ceiling of SQL queries per request
BUDGETS = {
    "leads list, 2 filters": 4,
    # the service's writes and the audit entry, then the lead read back as lead read does
    "lead upsert (create)": 20,
    "lead read": 10,
    "lead play": 12,
    "attempt create": 22,  # the lead locked, its play's steps, the SLA clocks, the audit
    "call log create": 36,  # the attempt's, the passages' edits, the engine's outbox row
    "versions list": 4,
    "suggestions list": 4,
    # the pages behind the API (session, user, roles, navigation included)
    "tokens page": 6,
    "webhooks page": 6,
    "webhook page": 7,
}

serial = count()


def _requests():
    """(endpoint, username, method, path, body maker) for the seeded company."""
    rep = get_user_model().objects.get(username="scale-rep-1")
    lead = Lead.objects.owned_by(rep).filter(status="accepted").order_by("pk").first()
    live = MessageVersion.objects.filter(status="live").order_by("pk").first()
    filters = urlencode({"status": "accepted", "source": "webinar"})
    m, r = "scale-marketer-1", "scale-rep-1"
    return [
        ("leads list, 2 filters", m, "get", f"/api/v1/leads/?{filters}", None),
        ("lead upsert (create)", m, "post", "/api/v1/leads/",
         lambda: {"email": f"api-{next(serial)}@example.com", "company": "Acme"}),
        ("lead read", r, "get", f"/api/v1/leads/{lead.pk}/", None),
        ("lead play", r, "get", f"/api/v1/leads/{lead.pk}/play/", None),
        ("attempt create", r, "post", f"/api/v1/leads/{lead.pk}/attempts/",
         lambda: {"channel": "email", "outcome": "replied"}),
        ("call log create", r, "post", "/api/v1/call-logs/",
         lambda: {"lead": lead.pk, "version": live.pk, "reaction": 4, "outcome": "interested",
                  "passages": {live.passages.order_by("position").first().key: "Said it so."}}),
        ("versions list", m, "get", "/api/v1/versions/", None),
        ("suggestions list", m, "get", "/api/v1/suggestions/?status=open", None),
    ]  # fmt: skip


def _pages(client, size: int) -> dict[str, int]:
    """The tokens and webhook pages, with `size` tokens and deliveries to list."""
    marketer = get_user_model().objects.get(username="scale-marketer-1")
    for n in range(size):
        token_create(user=marketer, name=f"script {n}")
    subscription = WebhookSubscription.objects.create(
        url="https://crm.example.com/hooks", events=["lead.disqualified"], secret="s" * 64,
        created_by=marketer,
    )  # fmt: skip
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event="lead.disqualified", payload={"n": n})
        for n in range(size)
    )
    client.force_login(marketer)
    counts = {}
    for page, path in [
        ("tokens page", "/api/tokens/"),
        ("webhooks page", "/api/webhooks/"),
        ("webhook page", f"/api/webhooks/{subscription.pk}/"),
    ]:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, page
        counts[page] = len(captured.captured_queries)
    client.logout()
    WebhookSubscription.objects.all().delete()
    return counts


def _measure(client) -> dict[str, int]:
    users = get_user_model().objects
    raws = {
        name: token_create(user=users.get(username=name), name="budget")[1]
        for name in ("scale-marketer-1", "scale-rep-1")
    }
    counts = {}
    for endpoint, username, method, path, body in _requests():
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raws[username]}"}

        def call(method=method, path=path, body=body, auth=auth):
            if method == "get":
                return client.get(path, **auth)
            return client.post(path, json.dumps(body()), content_type="application/json", **auth)

        call()  # warm: the token's last-used time, caches
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code in (200, 201), (endpoint, response.content[:300])
        counts[endpoint] = len(captured.captured_queries)
    return counts | _pages(client, size=Lead.objects.count() // 10)


def test_every_list_and_create_endpoint_has_a_budget():
    assert {"leads list, 2 filters", "versions list", "suggestions list", "lead upsert (create)",
            "attempt create", "call log create"} <= set(BUDGETS)  # fmt: skip


@pytest.mark.django_db
def test_api_query_counts_are_the_same_at_two_sizes_and_within_budget(client):
    scale_seed(sizes=SMALL, password="pw")
    small = _measure(client)
    _empty_the_company()
    scale_seed(sizes=LARGE, password="pw")
    large = _measure(client)
    print("API queries per request:", large)
    over = {endpoint: n for endpoint, n in large.items() if n > BUDGETS[endpoint]}
    assert over == {}, f"over budget: {over} (budgets {BUDGETS})"
    assert small == large
