"""The API's reads that no page has in this shape; each a fixed number of queries."""

from django.db.models import Prefetch

from leads.models import Lead, Opportunity
from messaging.models import MessageVersion, Passage

from .models import WebhookDelivery, WebhookSubscription


def _passages():
    return Prefetch("passages", queryset=Passage.objects.order_by("position"))


def live_versions():
    """Every live version with its passages: what sales may say today."""
    return (
        MessageVersion.objects.filter(status=MessageVersion.Status.LIVE)
        .select_related("message")
        .prefetch_related(_passages())
    )


def with_passages(versions):
    return versions.prefetch_related(_passages())


def opportunity_for(*, user, pk: int) -> Opportunity:
    """An opportunity on a lead the user may see; DoesNotExist otherwise (a 404)."""
    return Opportunity.objects.select_related("lead").get(
        pk=pk, lead__in=Lead.objects.for_user(user)
    )


def subscriptions_of(*, user):
    """The subscriptions a marketer sees: all of them (webhooks are the team's, not a
    person's), newest first, with their latest deliveries counted on the detail page."""
    return WebhookSubscription.objects.select_related("created_by")


def deliveries_of(*, subscription, limit: int = 50):
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at", "-pk")[
        :limit
    ]
