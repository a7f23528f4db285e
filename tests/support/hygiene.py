"""A test run leaves nothing behind: no Redis keys or queued tasks, no test database.

- Redis: tests/settings.py points the run at a database number of its own; the process
  that started the run (the xdist controller, or the only process) empties it at the end.
- PostgreSQL: a session still open on the test database (a worker process's or a test
  thread's connection that has not finished closing) makes Django's teardown fail with
  "database is being accessed by other users" and leaves the database behind; those
  sessions are ended first.
"""

import pytest
from django.conf import settings
from django.db import connection


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput") or not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError:
        pass  # Redis is down: then the run could not have left anything in it.
    finally:
        client.close()


@pytest.fixture(scope="session", autouse=True)
def _test_database_dropped_at_the_end(django_db_setup, django_db_blocker):
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
