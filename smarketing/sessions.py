"""The session store: Django's cached_db, read from the cache, written through to the
database (issue 19: the session was a database query on every request).

One change to Django's store: when the cache cannot be reached, a session read falls
back to the database and the page is served, instead of failing on re-filling the cache
(Django already guards the cache read and the write after a save). A logout still fails
loudly when the cache cannot be reached: a session deleted from the database but left in
the cache would stay logged in, which is worse than an error page.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
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
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:  # noqa: BLE001 - served from the database all the same
            logger.warning("Session cache unreachable; the session was not cached")
        return data
