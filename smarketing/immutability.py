"""What the database keeps whatever the code does, and the one way to empty it anyway.

Triggers (migrations smarketing 0003/0007, messaging 0002/0003) refuse to change or
delete an audit entry, to rewrite a published message version (body, author, summary,
publish time, ...) or its passages, and to delete either. A bug, an admin action or a
hand-written SQL statement meets the same refusal.

Emptying the whole database (`manage.py flush`, which the test runner also uses between
transactional tests) is the one exception: inside `purge_allowed()` the triggers let
DELETE and TRUNCATE through. PostgreSQL reads the session setting `smarketing.purge`;
SQLite calls the function `smarketing_purge_allowed()`, which only this process's
connections define, so the sqlite3 shell (where it is unknown) is refused as well.
"""

import contextlib
import contextvars

from django.db import connection

_purging: contextvars.ContextVar = contextvars.ContextVar("smarketing_purging", default=False)
SQLITE_FUNCTION = "smarketing_purge_allowed"
PG_SETTING = "smarketing.purge"


def define_sqlite_function(sender, connection, **kwargs):
    """connection_created: give each SQLite connection `smarketing_purge_allowed()`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 0, lambda: int(_purging.get()), deterministic=False
        )


@contextlib.contextmanager
def purge_allowed():
    """Let the triggers pass DELETE and TRUNCATE, for emptying the database whole."""
    token = _purging.set(True)
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET {PG_SETTING} = 'on'")
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {PG_SETTING}")
        _purging.reset(token)
