"""Sessions come from the cache (issue 19) but never depend on it being up (issue 15)."""

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from smarketing.sessions import SessionStore

pytestmark = pytest.mark.django_db

# A port nothing listens on: the cache is unreachable.
DOWN = "redis://127.0.0.1:9/0"


def _down_caches():
    plain = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": DOWN,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    fail_soft = {**plain, "BACKEND": "smarketing.cache.FailSoftRedisCache"}
    return {"default": fail_soft, "sessions": plain}


def test_a_signed_in_person_keeps_working_when_the_session_cache_is_down(client, rep_a):
    client.force_login(rep_a)
    with override_settings(CACHES=_down_caches(), SESSION_CACHE_ALIAS="sessions"):
        for alias in ("default", "sessions"):
            caches[alias].close()
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == rep_a


def test_a_logout_is_never_silently_left_in_an_unreachable_cache(rep_a):
    """The session row goes, and the cache's failure is not swallowed: a session left in
    the cache would be signed in again as soon as Redis answers."""
    store = SessionStore()
    store["_auth_user_id"] = str(rep_a.pk)
    store.save()
    key = store.session_key
    with override_settings(CACHES=_down_caches(), SESSION_CACHE_ALIAS="sessions"):
        caches["sessions"].close()
        with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises
            SessionStore(key).delete()
