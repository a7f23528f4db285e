"""The daily digest email: marketing hears about new suggestions without logging in."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from smarketing.preferences import in_zone_of
from smarketing.roles import MARKETING
from smarketing.web import absolute_url

# Module import: tests replace selectors.objection_gaps to watch how it is called.
from .. import selectors
from ..models import DigestDelivery, Suggestion


def digest_send_daily(*, today=None) -> int:
    """Email each marketer a digest of the last day's new suggestions and the objection
    gaps, once per day: the delivery row is written in the same transaction as the send,
    so a re-run (or a second beat) sends nobody a second copy."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=1)
    new_suggestions = list(
        Suggestion.objects.open()
        .filter(created_at__gte=since)
        .select_related("message")
        .ranked()[:20]
    )
    gaps = selectors.objection_gaps(limit=5)
    if not new_suggestions and not gaps:
        return 0
    sent = 0
    marketers = (
        get_user_model().objects.filter(groups__name=MARKETING, is_active=True).exclude(email="")
    )
    for marketer in marketers:
        try:
            with transaction.atomic():
                DigestDelivery.objects.create(recipient=marketer, day=today)
                # In the reader's zone, with a link their mail client can open.
                with in_zone_of(marketer):
                    body = render_to_string(
                        "feedback/digest_email.txt",
                        {
                            "user": marketer,
                            "suggestions": new_suggestions,
                            "gaps": gaps,
                            "inbox_url": absolute_url(reverse("feedback:suggestion_inbox")),
                        },
                    )
                send_mail(
                    f"Smarketing digest for {today:%d %b %Y}",
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [marketer.email],
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
