"""Django's Redis cache, made cheaper per call (RedisCache), and one that fails soft: with
Redis unreachable every read is a miss and every write is dropped, so a page never
answers 500 because of its cache (FailSoftRedisCache).

The cache only ever holds things that can be recomputed (the inbox's objection-gap
panel, the worker's heartbeat stamp), so losing it costs time, never data. Each failure
is logged, and for BACKOFF_SECONDS afterwards the cache is not tried at all: a page that
reads the cache several times pays the connection timeout once, not on every read.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What an unreachable or hung Redis raises (redis-py's errors; OSError for the socket).
CACHE_DOWN = (RedisError, OSError)
BACKOFF_SECONDS = 10.0


class _ReusedClient(RedisCacheClient):
    """Django's Redis cache client, keeping its redis.Redis object per server.

    Django builds a new redis.Redis object on every cache call (get_client), and building
    one (its table of about 170 response callbacks) cost more CPU than the call's round
    trip to Redis: 13 % of the bare page's profile, one session read (issue 19). A
    redis.Redis object holds no connection of its own (its pool does) and is safe to
    share; Django's cache objects are per thread anyway."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with the client above (the sessions' alias: fails loudly)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient


class FailSoftRedisCache(RedisCache):
    # Per Redis location, shared by the process's threads (Django makes a cache object
    # per thread): until when it is not tried.
    _down_until: dict[str, float] = {}

    def _try(self, operation: str, miss, call, *args, **kwargs):
        location = str(self._servers)
        if time.monotonic() < self._down_until.get(location, 0.0):
            return miss
        try:
            return call(*args, **kwargs)
        except CACHE_DOWN as exc:
            self._down_until[location] = time.monotonic() + BACKOFF_SECONDS
            logger.warning("Cache unreachable, %s answered as a miss: %s", operation, exc)
            return miss

    def add(self, key, *args, **kwargs):
        return self._try("add", False, super().add, key, *args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._try("get", default, super().get, key, default, version)

    def set(self, key, *args, **kwargs):
        return self._try("set", None, super().set, key, *args, **kwargs)

    def touch(self, key, *args, **kwargs):
        return self._try("touch", False, super().touch, key, *args, **kwargs)

    def delete(self, key, *args, **kwargs):
        return self._try("delete", False, super().delete, key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        return self._try("get_many", {}, super().get_many, keys, *args, **kwargs)

    def has_key(self, key, *args, **kwargs):
        return self._try("has_key", False, super().has_key, key, *args, **kwargs)

    def set_many(self, data, *args, **kwargs):
        # Django's contract: the keys that were not stored.
        return self._try("set_many", list(data), super().set_many, data, *args, **kwargs)

    def delete_many(self, keys, *args, **kwargs):
        return self._try("delete_many", None, super().delete_many, keys, *args, **kwargs)

    def clear(self):
        return self._try("clear", False, super().clear)
