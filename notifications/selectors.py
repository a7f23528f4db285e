"""The reads of notifications: a person's list and the unread count in the navigation."""

from contextlib import suppress

from django.core.cache import cache

from .models import Notification

# How long a person's unread count may be kept. Every write of notifications drops the
# person's key (notifications.services), so this only bounds a key left behind by a
# write that bypassed the services (a shell, a migration).
UNREAD_COUNT_SECONDS = 300


def notifications_for(*, user):
    return Notification.objects.for_user(user)


def unread_count_key(user_id) -> str:
    return f"notifications:unread:{user_id}"


def unread_notification_count(*, user) -> int:
    """The person's unread count, from the cache when it is there (every page shows it:
    a COUNT per request otherwise); a cache that cannot be reached means a COUNT."""
    key = unread_count_key(user.pk)
    try:
        count = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is an optimisation here
        count = None
    if count is None:
        count = Notification.objects.for_user(user).unread().count()
        with suppress(Exception):  # counted, just not kept
            cache.set(key, count, UNREAD_COUNT_SECONDS)
    return count
