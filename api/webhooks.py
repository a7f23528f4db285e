"""Outgoing webhooks: an event becomes one signed POST per subscription, after commit.

1. A service publishes a domain event inside its transaction (smarketing.events).
   `deliveries_create` (connected in ApiConfig.ready) writes a WebhookDelivery for each
   active subscription to that event and enqueues its send through the outbox, in the
   same transaction: a change that rolls back leaves no delivery and sends nothing.
2. `delivery_attempt` (the task webhook_deliver_task) POSTs the JSON body with
   `X-Smarketing-Timestamp` and `X-Smarketing-Signature: v1=<hex>`, the HMAC-SHA256 of
   `<timestamp>.<body>` under the subscription's secret. The receiver recomputes it and
   refuses a timestamp older than a few minutes, so a captured delivery cannot be
   replayed later. The request times out after TIMEOUT seconds.
3. A 2xx answer marks it delivered. Anything else (another status, a refused or timed-out
   connection, a URL that now resolves to a private address) is recorded (response code,
   last error, attempts) and retried after BACKOFF[attempts] seconds, up to
   MAX_ATTEMPTS; then it is failed, and a person may "send again" (delivery_resend).
   Retries are scheduled with a countdown, and `deliveries_retry_due` (beat, every
   minute) sends any whose time has come, so a retry lost with a worker is not lost.

URLs: http or https only; the host is resolved and every address it resolves to must be
public (no private, loopback, link-local, multicast or reserved ranges) unless an admin
set `allow_private_network` on the subscription. It is checked when the subscription is
saved and again before each send (DNS may change in between). Redirects are not
followed: a public URL cannot bounce a delivery into the internal network.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from smarketing.audit import audit_record
from smarketing.events import EVENTS
from smarketing.outbox import enqueue

from .models import WebhookDelivery, WebhookSubscription
from .policies import WebhookPolicy

logger = logging.getLogger(__name__)

TIMEOUT = 5
MAX_ATTEMPTS = 6
# Seconds to wait after the n-th failed attempt (1-based index): 1 min, 5 min, 30 min...
BACKOFF = (60, 300, 1800, 7200, 21600)
SIGNATURE_HEADER = "X-Smarketing-Signature"
TIMESTAMP_HEADER = "X-Smarketing-Timestamp"
EVENT_HEADER = "X-Smarketing-Event"
DELIVERY_HEADER = "X-Smarketing-Delivery"


# --- URLs -----------------------------------------------------------------------------


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str, *, allow_private: bool = False) -> None:
    """Raise ValidationError({"url": why}) unless `url` may receive webhooks."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Use an http:// or https:// URL."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL."})
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ValidationError({"url": "That host name does not resolve."}) from None
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(_is_public(a) for a in addresses):
        raise ValidationError(
            {"url": "That URL points at a private, loopback or link-local address."}
        )


# --- Signing ----------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`: what the receiver recomputes."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(
    secret: str, timestamp: str, body: bytes, header: str, *, now=None, tolerance: int = 300
) -> bool:
    """The receiver's check, given here for them to copy (and for the tests)."""
    now = int(now if now is not None else time.time())
    try:
        if abs(now - int(timestamp)) > tolerance:
            return False
    except ValueError:
        return False
    expected = "v1=" + signature(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


# --- Deliveries --------------------------------------------------------------------------


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _task():
    from .tasks import webhook_deliver_task

    return webhook_deliver_task


def deliveries_create(sender, *, name: str, payload: dict, **kwargs) -> list[WebhookDelivery]:
    """The domain_event receiver: one delivery per active subscription to `name`,
    enqueued through the outbox in the publisher's transaction."""
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(is_active=True) if name in (s.events or [])
    ]
    deliveries = []
    for subscription in subscriptions:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event=name, payload=payload
        )
        enqueue(_task(), delivery.pk)
        deliveries.append(delivery)
    return deliveries


def _body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is the answer, never followed


# No proxy from the environment either: the address checked is the address connected to.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - url_check allows http(s) only
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def delivery_attempt(*, delivery_id: int, now=None) -> WebhookDelivery | None:
    """Send one delivery once, if it is still to be sent; record how it went and when to
    try again. Idempotent: a delivered (or given-up) delivery is left alone.

    No transaction is held while the request is out (up to TIMEOUT seconds; on SQLite a
    transaction would hold the write lock that long). So two workers racing on one
    attempt may both send it: delivery is at least once, and receivers drop repeats by
    the X-Smarketing-Delivery id."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .filter(
            pk=delivery_id,
            status__in=(WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING),
        )
        .first()
    )
    if delivery is None:
        return None
    subscription = delivery.subscription
    now = now or timezone.now()
    timestamp = str(int(now.timestamp()))
    body = _body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Smarketing-Webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "v1=" + signature(subscription.secret, timestamp, body),
    }
    code, error = None, ""
    try:
        url_check(subscription.url, allow_private=subscription.allow_private_network)
        code = _post(subscription.url, body, headers)
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except ValidationError as refused:
        error = "; ".join(refused.messages)
    except (OSError, ValueError) as failed:  # refused, reset, timed out, bad URL
        error = f"{type(failed).__name__}: {failed}"
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.last_error = error[:500]
    if not error:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = WebhookDelivery.Status.RETRYING
        wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if delivery.status == WebhookDelivery.Status.RETRYING and not _eager():
        # Eager (embedded) mode would run the countdown at once, inside this request:
        # there the retry waits for deliveries_retry_due instead.
        try:
            _task().apply_async(args=[delivery.pk], countdown=wait)
        except Exception:  # noqa: BLE001 - the sweep sends it when the broker is back
            logger.warning("Could not schedule the retry of webhook delivery %s", delivery.pk)
    return delivery


def deliveries_retry_due(*, now=None, limit: int = 200) -> int:
    """Send the retries whose time has come (beat's safety net, and embedded mode's only
    way to retry); returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.RETRYING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        delivery_attempt(delivery_id=pk, now=now)
    return len(due)


# --- Subscriptions (the page and the admin) ------------------------------------------------


def _secret() -> str:
    return secrets.token_hex(32)


def _clean_subscription(subscription: WebhookSubscription) -> None:
    unknown = sorted(set(subscription.events or []) - set(EVENTS))
    if not subscription.events or unknown:
        raise ValidationError({"events": "Choose one or more of the listed events."})
    url_check(subscription.url, allow_private=subscription.allow_private_network)
    subscription.full_clean()


@transaction.atomic
def subscription_save(
    *,
    user,
    subscription: WebhookSubscription | None = None,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
    allow_private_network: bool | None = None,
) -> WebhookSubscription:
    """Create or change a subscription (marketers, admins). Only an admin may set, or
    keep set, the private-network allowance; a marketer's change leaves it as it was."""
    WebhookPolicy(user).can_manage().require()
    created = subscription is None
    if created:
        subscription = WebhookSubscription(created_by=user, secret=_secret())
    before = {"url": subscription.url, "events": subscription.events} if not created else None
    subscription.url = (url or "").strip()
    subscription.events = list(dict.fromkeys(events or []))
    subscription.description = (description or "").strip()[:200]
    subscription.is_active = is_active
    if (
        allow_private_network is not None
        and allow_private_network != subscription.allow_private_network
    ):
        WebhookPolicy(user).can_allow_private_network().require()
        subscription.allow_private_network = allow_private_network
    _clean_subscription(subscription)
    subscription.save()
    audit_record(
        actor=user,
        action="webhook.create" if created else "webhook.update",
        target=subscription,
        before=before,
        after={"url": subscription.url, "events": subscription.events},
    )
    return subscription


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, user) -> WebhookDelivery:
    """ "Send again": a new delivery of the same event and payload (the old one stays on
    record as it went), sent after the commit through the outbox."""
    WebhookPolicy(user).can_manage().require()
    again = WebhookDelivery.objects.create(
        subscription=delivery.subscription, event=delivery.event, payload=delivery.payload
    )
    enqueue(_task(), again.pk)
    audit_record(actor=user, action="webhook.resend", target=again, after={"of": delivery.pk})
    return again
