"""Writes of the feedback app that carry a rule."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notification_send(*, recipient, kind: str, text: str, url: str = "", dedupe_key=None):
    """Notify one person in the app. With a dedupe_key, the same event notifies once:
    a second call returns None and changes nothing (retried tasks stay harmless)."""
    if dedupe_key is None:
        return Notification.objects.create(recipient=recipient, kind=kind, text=text, url=url)
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, text=text[:500], url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications (all, or those ids) read; returns how many."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
