"""The session store: Django's cached_db, read from the cache, written through to the
database (issue 19: the session was a database query on every request).

It never depends on the cache being up (issue 15): a read, a sign-in or a sign-out with
the cache unreachable uses the database alone and the page is served. The price is a
stale copy: a sign-out whose cache delete failed leaves the session's cached copy, which
would sign the person in again if that cache answers later. The process that failed
reads sessions from the database alone for CACHED_SECONDS afterwards
(smarketing.people.cache_trusted); for the others, a copy is cached for at most
CACHED_SECONDS, whatever the session's own age: that bounds the stale copy's life, and
costs one database read per session every CACHED_SECONDS.

The same cache read brings the session's person (smarketing.people): the session's copy,
the person's stamp and snapshot in one `get_many`, left on the store as
`person_prefetch` for smarketing.auth. Which person a session belongs to is remembered
per process from the session's previous read (`_PERSON_OF`); a session's first read in a
process reads the person's keys in a second round trip.
"""

import logging

from django.contrib.auth import SESSION_KEY as USER_ID_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from . import people

logger = logging.getLogger("django.contrib.sessions")

CACHED_SECONDS = 300

# session key -> the user id its data held when this process last read it. Only a hint:
# the id in the session's data decides (a wrong hint costs a second round trip).
_PERSON_OF: dict[str, str] = {}
_PERSON_OF_MAX = 20_000


class SessionStore(CachedDBStore):
    # What the cache held for the session's person; None: read the person from the database.
    person_prefetch = None

    def _cached_seconds(self, age: int) -> int:
        return max(1, min(age, CACHED_SECONDS))

    def load(self):
        self.person_prefetch = None
        if not people.cache_trusted():  # this process lost a delete: the database decides
            return self._load_from_db(cache_up=False)
        hinted = _PERSON_OF.get(self.session_key) if self.session_key else None
        person_keys = people.cache_keys(hinted) if hinted else ()
        try:
            found = self._cache.get_many([self.cache_key, *person_keys])
        except Exception:  # noqa: BLE001 - an unreachable cache: read the database
            logger.warning("Session cache unreachable; reading the session from the database")
            return self._load_from_db(cache_up=False)
        data = found.get(self.cache_key)
        if data is None:
            return self._load_from_db(cache_up=True)
        self._person_found(data, hinted, found)
        return data

    def _load_from_db(self, *, cache_up: bool):
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        if cache_up:
            self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
            self._person_found(data, None, {})
        return data

    def _person_found(self, data, hinted, found) -> None:
        """Leave what the cache holds for the session's person on the store."""
        user_id = data.get(USER_ID_KEY)
        if user_id is None:
            return
        user_id = str(user_id)
        if user_id != hinted:
            try:
                found = self._cache.get_many(people.cache_keys(user_id))
            except Exception:  # noqa: BLE001 - the person comes from the database
                return
            _remember_person_of(self.session_key, user_id)
        stamp_key, snapshot_key = people.cache_keys(user_id)
        self.person_prefetch = people.Prefetch(
            user_id=user_id,
            stamp=found.get(stamp_key),
            snapshot=found.get(snapshot_key),
            cache=self._cache,
        )

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
        user_id = self._session.get(USER_ID_KEY)
        if user_id is not None:  # a sign-in: the next read needs one round trip
            _remember_person_of(self.session_key, str(user_id))

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # noqa: BLE001 - the row is gone; the copy expires by itself
            people.cache_missed_a_delete(CACHED_SECONDS)
            logger.warning(
                "Session cache unreachable; its copy of a deleted session expires within %s s",
                CACHED_SECONDS,
            )

    def _cache_set(self, data, age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, self._cached_seconds(age))
        except Exception:  # noqa: BLE001 - served from the database all the same
            logger.warning("Session cache unreachable; the session was not cached")


def _remember_person_of(session_key, user_id: str) -> None:
    if len(_PERSON_OF) >= _PERSON_OF_MAX:
        _PERSON_OF.clear()
    _PERSON_OF[session_key] = user_id
