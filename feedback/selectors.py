"""The reads that feedback pages need."""

from .models import Notification


def notifications_for(*, user):
    return Notification.objects.for_user(user)


def unread_notification_count(*, user) -> int:
    return Notification.objects.for_user(user).unread().count()
