"""The writes of notifications: the one in-app channel every app uses to tell a person
something ("your wording shipped", "a lead was handed to you", "SLA breached").

It is the lowest app above the core, so leads, messaging and feedback can all call it
without importing each other.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notification_send(*, recipient, kind: str, text: str, url: str = "", dedupe_key=None):
    """Notify one person in the app. With a dedupe_key, the same event notifies once:
    a second call returns None and changes nothing (retried tasks stay harmless)."""
    if dedupe_key is None:
        return Notification.objects.create(recipient=recipient, kind=kind, text=text[:500], url=url)
    try:
        # A savepoint, so that a duplicate leaves the caller's transaction usable.
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, text=text[:500], url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications (all, or those ids) read; returns how many. Only the
    user's own are touched, whatever ids are passed."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
