"""The writes of notifications: the one in-app channel every app uses to tell a person
something ("your wording shipped", "a lead was handed to you", "SLA breached").

It is the lowest app above the core, so leads, messaging and feedback can all call it
without importing each other.
"""

from contextlib import suppress

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification
from .selectors import unread_count_key


def _unread_count_changed(user_id) -> None:
    """Drop the person's cached unread count now and again after the commit, so that a
    page read between the two (which still sees the old rows) cannot keep a stale one."""
    key = unread_count_key(user_id)

    def drop():
        with suppress(Exception):  # an unreachable cache: the key expires by itself
            cache.delete(key)

    drop()
    transaction.on_commit(drop)


def notification_send(*, recipient, kind: str, text: str, url: str = "", dedupe_key=None):
    """Notify one person in the app. With a dedupe_key, the same event notifies once:
    a second call returns None and changes nothing (retried tasks stay harmless)."""
    if dedupe_key is None:
        notification = Notification.objects.create(
            recipient=recipient, kind=kind, text=text[:500], url=url
        )
    else:
        try:
            # A savepoint, so that a duplicate leaves the caller's transaction usable.
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient, kind=kind, text=text[:500], url=url, dedupe_key=dedupe_key
                )
        except IntegrityError:
            return None
    _unread_count_changed(notification.recipient_id)
    return notification


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications (all, or those ids) read; returns how many. Only the
    user's own are touched, whatever ids are passed."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    count = queryset.update(read_at=timezone.now())
    _unread_count_changed(user.pk)
    return count
