"""Named personas, so that a test reads like its story: "rep_b cannot see rep_a's notes".

team A (manager_a, rep_a) and team B (manager_b, rep_b); a marketer; an admin.
Every persona's password is PASSWORD.
"""

import os

import pytest
from hypothesis import settings as hypothesis_settings

from smarketing import roles

# Story fixtures shared by every app's tests: leads walked through handoff and
# acceptance, a live message version, calls logged on it (see those conftest modules).
from .feedback.conftest import log_call, rep_c, v1  # noqa: E402, F401
from .leads.conftest import accepted_by, handed_to, no_budget, play, sla  # noqa: E402, F401
from .support.factories import TeamFactory, UserFactory, make_salesperson

PASSWORD = "pw-for-tests"

# Support modules that provide fixtures (the factories and the worker helpers are imported).
pytest_plugins = [
    "tests.support.world",
    "tests.support.media",
    "tests.support.hygiene",
    "tests.support.agreement",
]

# CI replays the same generated examples every run, so a submission never fails on a
# random draw; locally hypothesis keeps exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _in_process_cache_emptied():
    """Cached per-person figures (the unread count) are keyed by user id, and SQLite gives
    a rolled-back test's ids out again: the in-process cache is emptied after each test.
    (Redis runs use PostgreSQL, whose ids are never given out twice.)"""
    yield
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for cache in caches.all(initialized_only=True):
        if isinstance(cache, LocMemCache):
            cache.clear()
    # A test that changed a person with the cache down leaves this process not using
    # cached people for a minute (smarketing.people): the next test starts afresh.
    from smarketing import people

    people._distrust_until = 0.0


@pytest.fixture
def marketer(db):
    return UserFactory(username="marketer", first_name="Maria", role=roles.MARKETING)


@pytest.fixture
def marketer_2(db):
    return UserFactory(username="marketer2", first_name="Marcus", role=roles.MARKETING)


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Team A")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Team B")


@pytest.fixture
def manager_a(team_a):
    user = UserFactory(username="manager_a", first_name="Nora", role=roles.SALES_MANAGER)
    team_a.manager = user
    team_a.save()
    return user


@pytest.fixture
def manager_b(team_b):
    user = UserFactory(username="manager_b", first_name="Sam", role=roles.SALES_MANAGER)
    team_b.manager = user
    team_b.save()
    return user


@pytest.fixture
def rep_a(team_a):
    return make_salesperson("rep_a", team_a)


@pytest.fixture
def rep_b(team_b):
    return make_salesperson("rep_b", team_b)


@pytest.fixture
def admin(db):
    return UserFactory(
        username="admin", first_name="Ada", is_staff=True, is_superuser=True, role=roles.ADMIN
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a persona: client_for(rep_a).get(...)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def tasks_through_the_broker(settings):
    """Send tasks to the real broker instead of running them eagerly, for this test."""
    from smarketing.celery import app

    # Read before switching: Celery's config is lazy and would read the new value.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_process(transactional_db, settings, tasks_through_the_broker):
    """A real Celery worker process consuming from Redis; the test's tasks are not eager."""
    from django.db import connection

    from .support.worker import start_worker, stop_worker

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (the CI's second run has both)")
    worker = start_worker(connection.settings_dict)
    try:
        yield worker
    finally:
        stop_worker(worker)
