"""Every page works without the cache: with Redis unreachable the cache answers misses.

The cache here is the production one (smarketing.settings.redis_cache) pointed at a port
where nothing listens, with the inbox's objection-gap panel cached as in production.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from smarketing.settings import redis_caches
from tests.support.worker import free_port


@pytest.fixture
def cache_down(settings):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
    settings.OBJECTION_GAPS_CACHE_SECONDS = 300


def test_the_suggestion_inbox_opens_with_redis_unreachable(cache_down, client_for, marketer):
    response = client_for(marketer).get(reverse("feedback:suggestion_inbox"))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["marketer", "rep_a", "manager_a", "admin"])
def test_every_home_page_opens_with_redis_unreachable(
    cache_down, client_for, world, request, persona
):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 200


def test_healthz_still_answers_with_the_cache_down(cache_down, client, db):
    response = client.get(reverse("healthz"))
    assert response.json()["worker"] == {"last_heartbeat": None, "seconds_ago": None}


def test_an_unreachable_cache_reads_as_misses_and_drops_writes(cache_down):
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.set("anything", 1) is None
    assert cache.add("anything", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("computed", lambda: 42) == 42
    assert cache.delete("anything") is False


def test_the_redis_client_is_made_once_per_server_not_once_per_call():
    """Django makes a redis.Redis object on every cache call (issue 19: 13 % of the bare
    page); ours keeps one per server, over the same connection pool."""
    import redis

    from smarketing.cache import FailSoftRedisCache, RedisCache

    for backend in (RedisCache, FailSoftRedisCache):
        cache = backend("redis://127.0.0.1:9/0;redis://127.0.0.1:9/1", {})
        writer = cache._cache.get_client(write=True)
        assert isinstance(writer, redis.Redis)
        assert cache._cache.get_client(write=True) is writer
        reader = cache._cache.get_client("key")  # the other server: reads go there
        assert reader is cache._cache.get_client("key") and reader is not writer
        assert writer.connection_pool.connection_kwargs["db"] == 0
        assert reader.connection_pool.connection_kwargs["db"] == 1
        assert cache._cache._pools[0] is writer.connection_pool


def test_the_sessions_cache_still_fails_loudly_and_the_default_one_softly():
    from redis.exceptions import ConnectionError as RedisConnectionError

    from smarketing.cache import FailSoftRedisCache, RedisCache

    aliases = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
    assert aliases["sessions"]["BACKEND"] == "smarketing.cache.RedisCache"
    loud = RedisCache(aliases["sessions"]["LOCATION"], aliases["sessions"])
    with pytest.raises(RedisConnectionError):
        loud.get("anything")
    soft = FailSoftRedisCache(aliases["default"]["LOCATION"], aliases["default"])
    assert soft.get("anything", "fallback") == "fallback"
