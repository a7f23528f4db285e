"""The reads of notifications: a person's list and the unread count in the navigation."""

from .models import Notification


def notifications_for(*, user):
    return Notification.objects.for_user(user)


def unread_notification_count(*, user) -> int:
    return Notification.objects.for_user(user).unread().count()
