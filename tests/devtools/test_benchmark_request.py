"""The in-process request benchmark (issue 19): it times real answers, and counts queries."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from smarketing import roles
from tests.support.factories import UserFactory


@pytest.fixture(autouse=True)
def _test_transaction_kept():
    """The command calls the WSGI application directly, whose request signals close
    the database connection, and with it the test's transaction; Django's test client
    disconnects them for its requests, and so does this."""
    from django.core import signals
    from django.db import close_old_connections

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def run(*args) -> str:
    out = StringIO()
    call_command("benchmark_request", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_times_the_floor_and_the_bare_page_signed_in():
    UserFactory(username="scale-rep-1", role=roles.SALES)
    out = run("--requests", "5", "--rounds", "1")
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line[:5].strip() == "1"}
    assert set(rows) == {"/bench/floor", "/bench/bare"}
    assert float(rows["/bench/floor"][-1]) == 0  # queries per request
    assert float(rows["/bench/bare"][-1]) <= 1
    assert "errors: 0" in out


@pytest.mark.django_db
def test_an_answer_that_is_not_200_is_an_error():
    UserFactory(username="scale-rep-1", role=roles.SALES)
    out = run("--only", "/no/such/page", "--requests", "2", "--rounds", "1")
    assert re.search(r"errors: [1-9]", out)


@pytest.mark.django_db
def test_it_times_the_bare_page_without_each_middleware():
    UserFactory(username="scale-rep-1", role=roles.SALES)
    out = run("--only", "/bench/bare", "--middleware-costs", "--requests", "3", "--rounds", "1")
    assert "csp.middleware.CSPMiddleware" in out or "smarketing.middleware.CSPMiddleware" in out
    assert "SessionMiddleware" not in out  # the page cannot do without it
    assert "errors: 0" in out


def test_a_timed_request_reaches_the_page_as_through_the_tls_proxy_with_its_query():
    from django.core.handlers.wsgi import WSGIRequest

    from devtools.management.commands.benchmark_request import environ_for

    request = WSGIRequest(environ_for("/insight/attribution/?model=last&page=2", "a=b"))
    # Over https: a production-like run (SECURE_SSL_REDIRECT on) times the page itself,
    # not a 301 to it (found timing the attribution page with DEBUG off).
    assert request.is_secure()
    assert request.path == "/insight/attribution/"
    assert request.GET["model"] == "last" and request.GET["page"] == "2"
