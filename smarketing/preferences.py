"""Per-person settings, read where times are shown: a person's time zone.

Pages: the middleware activates the zone of the logged-in person on each request, from
the session (written at login and when the preferences are saved), so a page costs no
query for it. Notifications and emails are rendered in the recipient's zone
(`in_zone_of(recipient)`), whoever triggered them.
"""

import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import UserPreferences

SESSION_KEY = "time_zone"


def time_zone_of(user) -> str:
    """The person's zone name, else the company's."""
    if user is None or getattr(user, "pk", None) is None:
        return settings.TIME_ZONE
    name = (
        UserPreferences.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
    )
    return name or settings.TIME_ZONE


def zone(name: str):
    """A tzinfo for a stored zone name; the company's if the name is no longer known."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@contextmanager
def in_zone_of(user):
    """Render what is sent to `user` (a notification's text, an email) in their zone."""
    with timezone.override(zone(time_zone_of(user))):
        yield


@transaction.atomic
def preferences_save(*, user, time_zone: str) -> UserPreferences:
    """Save a person's own preferences (only their own: the view passes request.user)."""
    zone(time_zone)  # an unknown name is refused by the form; this only normalises
    prefs, _ = UserPreferences.objects.update_or_create(
        user=user, defaults={"time_zone": time_zone}
    )
    return prefs


def remember_in_session(request, user) -> None:
    """Keep the person's zone in their session so that pages need no query for it."""
    request.session[SESSION_KEY] = time_zone_of(user)


def remember_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        remember_in_session(request, user)
