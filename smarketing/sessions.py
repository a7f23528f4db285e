"""The session store: Django's cached_db, read from the cache, written through to the
database (issue 19: the session was a database query on every request).

It never depends on the cache being up (issue 15): a read, a sign-in or a sign-out with
the cache unreachable uses the database alone and the page is served. The price is a
stale copy: a sign-out whose cache delete failed leaves the session's cached copy, which
would sign the person in again if that cache answers later. So a copy is cached for at
most CACHED_SECONDS, whatever the session's own age: that bounds the stale copy's life,
and costs one database read per session every CACHED_SECONDS.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger("django.contrib.sessions")

CACHED_SECONDS = 300


class SessionStore(CachedDBStore):
    def _cached_seconds(self, age: int) -> int:
        return max(1, min(age, CACHED_SECONDS))

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - an unreachable cache: read the database
            logger.warning("Session cache unreachable; reading the session from the database")
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        # Asked when a session is created (sign-in): the database is the record.
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:  # noqa: BLE001 - an unreachable cache: ask the database
            logger.warning("Session cache unreachable; checking the session in the database")
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # noqa: BLE001 - the row is gone; the copy expires by itself
            logger.warning(
                "Session cache unreachable; its copy of a deleted session expires within %s s",
                CACHED_SECONDS,
            )

    def _cache_set(self, data, age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, self._cached_seconds(age))
        except Exception:  # noqa: BLE001 - served from the database all the same
            logger.warning("Session cache unreachable; the session was not cached")
