"""Webhooks, told as a CRM sees them: a signed POST after the change commits, a retry
after the receiver failed, nothing for a change that rolled back, and no URL that reaches
the internal network unless an admin allowed it."""

import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from api import webhooks
from api.models import WebhookDelivery
from leads import services as lead_services
from leads.models import Opportunity


class Receiver:
    """A local HTTP server that records each request and answers the next status."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver([500, 200]) as running:
        yield running


@pytest.fixture
def subscription(admin, receiver):
    # The loopback test server is a private address: an admin allows it.
    return webhooks.subscription_save(
        user=admin,
        url=receiver.url,
        events=["opportunity.closed", "lead.disqualified"],
        allow_private_network=True,
    )


@pytest.fixture
def deal(accepted_by, rep_a):
    lead = accepted_by(rep_a)
    return lead_services.opportunity_create(
        lead=lead, user=rep_a, amount=Decimal("1000"), name="Deal"
    )


def close(deal, user):
    return lead_services.opportunity_close(
        opportunity=Opportunity.objects.get(pk=deal.pk), user=user, won=True, amount=Decimal("1200")
    )


def test_a_closed_deal_is_posted_signed_and_retried_after_a_failure(
    django_capture_on_commit_callbacks, receiver, subscription, deal, rep_a
):
    with django_capture_on_commit_callbacks(execute=True):
        close(deal, rep_a)

    # The first POST went out after the commit; the receiver answered 500.
    [(headers, body)] = receiver.requests
    assert webhooks.signature_valid(
        subscription.secret,
        headers["X-Smarketing-Timestamp"],
        body,
        headers["X-Smarketing-Signature"],
    )
    envelope = json.loads(body)
    assert envelope["event"] == "opportunity.closed"
    assert envelope["data"]["opportunity"] == deal.pk
    assert envelope["data"]["won"] is True and envelope["data"]["amount"] == "1200.00"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("retrying", 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(seconds=60)

    # Not before its time; then once more, and the receiver says 200.
    assert webhooks.deliveries_retry_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert webhooks.deliveries_retry_due(now=delivery.next_attempt_at) == 1
    assert len(receiver.requests) == 2
    headers, again = receiver.requests[1]
    assert json.loads(again)["data"] == envelope["data"]  # the same event
    assert headers["X-Smarketing-Delivery"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
    assert delivery.last_error == ""


def test_a_tampered_or_old_delivery_fails_the_signature_check():
    body = b'{"event":"x"}'
    signed = "v1=" + webhooks.signature("secret", "1000", body)
    assert webhooks.signature_valid("secret", "1000", body, signed, now=1000)
    assert not webhooks.signature_valid("secret", "1000", body + b" ", signed, now=1000)
    assert not webhooks.signature_valid("other", "1000", body, signed, now=1000)
    assert not webhooks.signature_valid("secret", "1000", body, signed, now=1000 + 301)


def test_a_change_that_rolls_back_sends_nothing(
    django_capture_on_commit_callbacks, receiver, subscription, deal, rep_a
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        close(deal, rep_a)
        raise RuntimeError("the rest of the request failed")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_only_subscribed_events_are_sent(
    django_capture_on_commit_callbacks, receiver, admin, deal, rep_a
):
    webhooks.subscription_save(
        user=admin, url=receiver.url, events=["version.published"], allow_private_network=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        close(deal, rep_a)
    assert receiver.requests == []


def test_send_again_makes_a_new_delivery_of_the_same_event(
    django_capture_on_commit_callbacks, receiver, subscription, deal, rep_a, marketer
):
    with django_capture_on_commit_callbacks(execute=True):
        close(deal, rep_a)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.delivery_resend(delivery=first, user=marketer)
    again.refresh_from_db()
    assert again.pk != first.pk and again.payload == first.payload
    assert again.status == "delivered"
    assert len(receiver.requests) == 2


def test_a_delivery_gives_up_after_the_last_attempt(admin, deal, rep_a):
    with Receiver([500] * webhooks.MAX_ATTEMPTS) as failing:
        webhooks.subscription_save(
            user=admin, url=failing.url, events=["opportunity.closed"], allow_private_network=True
        )
        close(deal, rep_a)  # no commit callbacks: sent by the sweep below
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="retrying", next_attempt_at=delivery.created_at
        )
        delivery.refresh_from_db()
        when = delivery.created_at
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliveries_retry_due(now=when + timedelta(days=1))
            when += timedelta(days=1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/hook",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://user:pw@93.184.216.34/hook",
    ],
)
def test_urls_that_could_probe_the_internal_network_are_refused(marketer, url):
    with pytest.raises(ValidationError) as refused:
        webhooks.subscription_save(user=marketer, url=url, events=["lead.disqualified"])
    assert "url" in refused.value.message_dict


def test_a_public_address_is_accepted(marketer):
    subscription = webhooks.subscription_save(
        user=marketer, url="https://93.184.216.34/hook", events=["lead.disqualified"]
    )
    assert len(subscription.secret) == 64


def test_only_an_admin_allows_a_private_address(marketer):
    with pytest.raises(PermissionDenied):
        webhooks.subscription_save(
            user=marketer,
            url="http://127.0.0.1/hook",
            events=["lead.disqualified"],
            allow_private_network=True,
        )


def test_salespeople_do_not_manage_webhooks(rep_a):
    with pytest.raises(PermissionDenied):
        webhooks.subscription_save(
            user=rep_a, url="https://93.184.216.34/hook", events=["lead.disqualified"]
        )


def test_a_disqualified_lead_tells_its_reason(
    django_capture_on_commit_callbacks, receiver, subscription, accepted_by, rep_a, no_budget, sla
):
    lead = accepted_by(rep_a)
    for _ in range(sla.min_attempts_before_disqualify):
        lead_services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    receiver.statuses = [200]
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="No budget.")
    [(_headers, body)] = receiver.requests
    data = json.loads(body)["data"]
    assert data["reason"] == no_budget.name and data["note"] == "No budget."


def test_with_a_broker_the_retry_is_scheduled_after_the_backoff(
    receiver, subscription, deal, rep_a, monkeypatch
):
    from api.tasks import webhook_deliver_task

    close(deal, rep_a)  # the delivery row, not yet sent
    delivery = WebhookDelivery.objects.get()
    scheduled = []
    monkeypatch.setattr(webhooks, "_eager", lambda: False)
    monkeypatch.setattr(
        webhook_deliver_task, "apply_async", lambda **kwargs: scheduled.append(kwargs)
    )
    webhooks.delivery_attempt(delivery_id=delivery.pk)  # the receiver answers 500
    assert scheduled == [{"args": [delivery.pk], "countdown": webhooks.BACKOFF[0]}]
