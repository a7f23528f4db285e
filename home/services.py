"""The weekly summary email: each person's home page, once a week, in their inbox.

People who do not open the portal every day still hear what needs them: the same
sections as the home page (home.selectors, so the email and the page cannot disagree),
rendered as plain text with absolute links (settings.SITE_URL, since a task has no
request to build them from).
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from smarketing import roles

from .models import WeeklySummaryDelivery
from .selectors import ATTENTION_DAYS, home_for


def summary_week(today: date) -> date:
    """The Monday of today's ISO week: the key of one week's delivery."""
    return today - timedelta(days=today.weekday())


def weekly_summary_send(*, today=None, now=None) -> int:
    """Email every active person with a role and an email address their weekly summary;
    returns how many were sent.

    Idempotent per person per ISO week: the delivery row is written in the same
    transaction as the send, so a re-run skips whoever already has this week's row,
    and a failed send rolls its row back, so the next run tries that person again.
    """
    today = today or timezone.localdate(now)
    week = summary_week(today)
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__name__in=roles.ALL_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for person in people:
        if WeeklySummaryDelivery.objects.filter(recipient=person, week=week).exists():
            continue
        home = home_for(user=person, now=now)
        if not home.sections:
            continue
        try:
            with transaction.atomic():
                WeeklySummaryDelivery.objects.create(recipient=person, week=week)
                body = render_to_string(
                    "home/weekly_summary.txt",
                    {
                        "user": person,
                        "home": home,
                        "site": settings.SITE_URL,
                        "home_url": settings.SITE_URL + reverse("home"),
                        "week": week,
                        "attention_days": ATTENTION_DAYS,
                    },
                )
                send_mail(
                    f"Smarketing: your week of {week:%d %b %Y}",
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [person.email],
                )
        except IntegrityError:
            continue  # a parallel run sent this one
        sent += 1
    return sent
