"""Sessions come from the cache (issue 19) but never depend on it being up (issue 15)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings
from django.urls import reverse

from smarketing.sessions import CACHED_SECONDS, SessionStore
from smarketing.settings import redis_caches

pytestmark = pytest.mark.django_db

# A port nothing listens on: the cache is unreachable.
DOWN = "redis://127.0.0.1:9/0"


def _down_caches():
    """The production cache aliases (smarketing.settings), pointed at nothing."""
    return redis_caches(DOWN)


def test_a_signed_in_person_keeps_working_when_the_session_cache_is_down(client, rep_a):
    client.force_login(rep_a)
    with override_settings(CACHES=_down_caches(), SESSION_CACHE_ALIAS="sessions"):
        for alias in ("default", "sessions"):
            caches[alias].close()
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == rep_a


def test_a_sign_out_with_the_cache_down_ends_the_session_in_the_database(rep_a):
    store = SessionStore()
    store["_auth_user_id"] = str(rep_a.pk)
    store.save()
    key = store.session_key
    with override_settings(CACHES=_down_caches(), SESSION_CACHE_ALIAS="sessions"):
        caches["sessions"].close()
        SessionStore(key).delete()
    assert not Session.objects.filter(session_key=key).exists()


def test_a_cached_copy_lives_at_most_five_minutes_so_a_missed_delete_expires_soon(rep_a):
    """A sign-out whose cache delete failed leaves the copy; it must not outlive
    CACHED_SECONDS, however long the session itself lasts (12 hours)."""
    seen = {}

    class Recorder(LocMemCache):
        def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
            seen[key] = timeout
            return super().set(key, value, timeout, version)

    store = SessionStore()
    store._cache = Recorder("sessions-test", {})
    store["_auth_user_id"] = str(rep_a.pk)
    store.save()
    assert list(seen.values()) == [CACHED_SECONDS]
    assert CACHED_SECONDS <= 300 < settings.SESSION_COOKIE_AGE


def test_a_person_signs_in_while_the_session_cache_is_down(client, rep_a):
    with override_settings(CACHES=_down_caches(), SESSION_CACHE_ALIAS="sessions"):
        caches["sessions"].close()
        client.force_login(rep_a)
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == rep_a
