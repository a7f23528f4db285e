"""The signed-in person and their roles, kept in the session's cache (issue 19).

Every request needs the person (the session's user id) and their roles. Reading them
from the database cost one query a request (smarketing.auth); this module keeps a copy
(a *snapshot*) in the cache the sessions live in, so that a request served from the cache
reads nothing from the database, while a change to the person still applies on their
very next request. How:

1. Each person has a *stamp* in the cache: a random token, or nothing. A snapshot (the
   user row without its password, the roles, the session hash of the password) is stored
   tagged with the stamp that was current BEFORE its row was read from the database.
   A snapshot is used only while its tag equals the current stamp.
2. Every write that changes what a snapshot holds (the user row: roles flags, activation,
   password, name, email, last login; the person's groups, from either side; a group
   renamed or deleted; the user deleted) calls `person_changed`, which deletes the
   person's stamp twice: at once (inside the write's transaction) and after the commit.
   The signals in smarketing.apps are the one place that calls it, whatever made the
   write (a service, the admin, a management command, the shell). A `QuerySet.update()`
   or raw SQL on users sends no signal: such a write must call `person_changed` itself.
3. A request reads the session's copy, the person's stamp and snapshot in ONE cache
   round trip (`get_many`; smarketing.sessions), knowing the session's person from the
   previous request this process served for that session (a session is bound to one
   person for its life: signing in makes a new session key). The first request of a
   session in a process reads the session first, then the person's two keys.
4. With no valid snapshot the person is read from the database (smarketing.auth) and a
   snapshot is stored under the stamp read before that read; a missing stamp is first
   created with `add` (if another request or a write got there first, nothing is
   stored this time).

Why this is never stale, the race: a request that read stamp S, then the old row, stores
its snapshot under S; the write deletes the stamp after its commit, so S is no longer
current and the snapshot is never used. A request that starts after the commit reads the
new row. Tokens are random, so a deleted stamp is never current again.

Failure modes. The cache unreachable when a request reads: the session and the person
come from the database (nothing is served from a copy). The cache unreachable when a
write deletes a stamp: the delete is lost, so another process that can reach the cache
once it answers again could still use the person's old snapshot. This process reads the
database alone for SNAPSHOT_SECONDS (`cache_trusted`), and a snapshot lives at most
SNAPSHOT_SECONDS in the cache (also across a Redis restart: expiry times are absolute),
which bounds the window for the others. A sign-out whose cache delete failed is handled
the same way, with smarketing.sessions.CACHED_SECONDS as the bound.
The password itself is never cached: the snapshot holds the session hash Django
compares (an HMAC of the password under SECRET_KEY, what the session already holds), and
the password field is deferred (read from the database if a page needs it).
"""

import functools
import logging
import secrets
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from hashlib import sha256
from types import MethodType

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction

from .roles import ROLES_ATTRIBUTE

logger = logging.getLogger(__name__)

# How long a snapshot is kept: the bound on a stale one when a write could not reach the
# cache (module docstring). One database read per active person per period.
SNAPSHOT_SECONDS = 60
# A stamp outlives its snapshots; a stamp that expires or is evicted is replaced by a
# new token, which no snapshot carries: harmless.
STAMP_SECONDS = 60 * 60 * 24

# Until when (time.monotonic()) this process uses no snapshot, after a stamp delete that
# failed here.
_distrust_until = 0.0


# Part of every key: change it when a snapshot's layout (Prefetch.store) changes.
_SNAPSHOT_VERSION = 1


def _layout() -> tuple[str, tuple[str, ...]]:
    """The key prefix and the user fields a snapshot holds. The prefix changes with
    _SNAPSHOT_VERSION, with SECRET_KEY (a snapshot's session hash is made with it) and
    with the user model's fields (a migration that adds one), so that no process reads a
    snapshot of another shape or key (a deploy's old and new processes side by side)."""
    names = tuple(
        f.attname for f in get_user_model()._meta.concrete_fields if f.attname != "password"
    )
    shape = f"{_SNAPSHOT_VERSION}|{settings.SECRET_KEY}|{','.join(names)}"
    digest = sha256(shape.encode()).hexdigest()[:12]
    return f"person:{digest}:", names


@functools.cache
def _prefix_and_fields() -> tuple[str, tuple[str, ...]]:
    return _layout()  # once per process: settings and models are fixed by then


def stamp_key(user_id) -> str:
    return f"{_prefix_and_fields()[0]}{user_id}:stamp"


def snapshot_key(user_id) -> str:
    return f"{_prefix_and_fields()[0]}{user_id}"


def cache_keys(user_id) -> tuple[str, str]:
    """The person's stamp and snapshot keys, read with the session (smarketing.sessions)."""
    return stamp_key(user_id), snapshot_key(user_id)


def _cache():
    from django.core.cache import caches

    return caches[settings.SESSION_CACHE_ALIAS]


@dataclass
class Prefetch:
    """What the session's read found for its person: `stamp` None when the person has
    none yet; `cache` is the cache it came from, where a snapshot is stored."""

    user_id: str
    stamp: str | None
    snapshot: tuple | None
    cache: object
    storable: bool = False

    def user(self):
        """The person from a current snapshot, or None (read the database)."""
        if self.stamp is None or self.snapshot is None or not cache_trusted():
            return None
        tag, values, role_bits, session_hash = self.snapshot
        if tag != self.stamp:
            return None
        return _user_from(values, role_bits, session_hash)

    def read_begins(self) -> None:
        """Before the database read: make sure the person has a stamp, so that the
        snapshot stored after the read is tagged with a stamp older than the read. When
        another request or a write sets one meanwhile, nothing is stored this time."""
        self.storable = False
        if not cache_trusted():
            return
        if self.stamp is None:
            token = secrets.token_hex(8)
            try:
                if not self.cache.add(stamp_key(self.user_id), token, STAMP_SECONDS):
                    return
            except Exception:  # noqa: BLE001 - an unreachable cache: nothing to store
                return
            self.stamp = token
        self.storable = True

    def store(self, user, role_bits: int) -> None:
        """Keep `user`, just read from the database, as the person's snapshot."""
        if not self.storable or not cache_trusted():
            return
        values = tuple(getattr(user, name) for name in _prefix_and_fields()[1])
        snapshot = (self.stamp, values, role_bits, user.get_session_auth_hash())
        try:
            self.cache.set(snapshot_key(self.user_id), snapshot, SNAPSHOT_SECONDS)
        except Exception:  # noqa: BLE001 - an unreachable cache: served from the database
            logger.warning("Session cache unreachable; the person was not cached")


def cache_trusted() -> bool:
    """False for a while after this process failed to delete something from the cache
    (a person's stamp, a signed-out session's copy): until then it reads the database."""
    return time.monotonic() >= _distrust_until


def cache_missed_a_delete(seconds: float) -> None:
    global _distrust_until
    _distrust_until = max(_distrust_until, time.monotonic() + seconds)


def _user_from(values, role_bits: int, session_hash: str):
    from .auth import roles_from_bits

    user = get_user_model().from_db(DEFAULT_DB_ALIAS, _prefix_and_fields()[1], values)
    setattr(user, ROLES_ATTRIBUTE, roles_from_bits(role_bits, superuser=user.is_superuser))
    user._smarketing_session_hash = session_hash
    user.get_session_auth_hash = MethodType(_session_auth_hash, user)
    return user


def _session_auth_hash(user) -> str:
    # The password is deferred; once it is set or read on this object (a password change
    # through a form), the hash is computed from it as Django does.
    if "password" in user.__dict__:
        return type(user).get_session_auth_hash(user)
    return user._smarketing_session_hash


# The session whose person Django's get_user is reading (set around that one call by
# smarketing.auth.AuthenticationMiddleware); its cache read left a Prefetch on it.
_current: ContextVar = ContextVar("person_session", default=None)


@contextmanager
def prefetched(session):
    token = _current.set(session)
    try:
        yield
    finally:
        _current.reset(token)


def current_prefetch(user_id) -> Prefetch | None:
    prefetch = getattr(_current.get(), "person_prefetch", None)
    if prefetch is None or prefetch.user_id != str(user_id):
        return None
    return prefetch


def person_changed(user_ids) -> None:
    """Make every cached snapshot of these people unusable, now and after the commit.

    The one place every write to a person goes through (the signals in smarketing.apps
    call it): their next request reads them from the database. Deleting now stops
    serving the old snapshot at once; deleting after the commit stops a snapshot that a
    concurrent request stored from the old row before the commit (module docstring).
    """
    keys = [stamp_key(user_id) for user_id in user_ids if user_id is not None]
    if not keys:
        return
    _stamps_delete(keys)
    transaction.on_commit(lambda: _stamps_delete(keys))


def _stamps_delete(keys) -> None:
    try:
        _cache().delete_many(keys)
    except Exception:  # noqa: BLE001 - the write stands; this process reads the database
        cache_missed_a_delete(SNAPSHOT_SECONDS)
        logger.warning(
            "Session cache unreachable; people changed (%s) may be served from an old copy "
            "by other processes for up to %s s",
            len(keys),
            SNAPSHOT_SECONDS,
        )


# The writes that change a snapshot, whatever makes them (connected in smarketing.apps).


def user_saved_or_deleted(sender, instance, **kwargs):
    person_changed([instance.pk])


def user_groups_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    if not reverse:  # user.groups.add/remove/set/clear
        if action in ("post_add", "post_remove", "post_clear"):
            person_changed([instance.pk])
        return
    # group.user_set...: the people are pk_set, or for a clear, the group's members
    # taken before it.
    if action == "pre_clear":
        instance._people_before_clear = list(instance.user_set.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove"):
        person_changed(pk_set or ())
    elif action == "post_clear":
        person_changed(getattr(instance, "_people_before_clear", ()))


def group_saved_or_deleting(sender, instance, created=False, **kwargs):
    """A role is a group's name: renaming or deleting a group changes its members' roles."""
    if not created and instance.pk is not None:
        person_changed(list(instance.user_set.values_list("pk", flat=True)))
