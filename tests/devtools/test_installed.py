"""The development tools are installed in development and tests, never in production."""

import importlib

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import URLResolver, clear_url_caches, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern

import smarketing.urls
from devtools.load import expect, percentile
from tests.smarketing.test_settings import manage

WITHOUT_DEVTOOLS = [app for app in settings.INSTALLED_APPS if app != "devtools"]


def resolver(module):
    # A fresh resolver: get_resolver() caches per module object, and a reload keeps it.
    return URLResolver(RegexPattern(r"^/"), module)


def test_the_bench_route_is_there_when_devtools_is_installed(db):
    assert resolve("/bench/bare").url_name == "bench_bare"


def test_the_production_urlconf_has_no_bench_route_without_devtools():
    try:
        with override_settings(INSTALLED_APPS=WITHOUT_DEVTOOLS):
            assert smarketing.urls.devtools_urls() == []
            module = importlib.reload(smarketing.urls)
            with pytest.raises(Resolver404):
                resolver(module).resolve("/bench/bare")
            assert resolver(module).resolve("/healthz").url_name == "healthz"
    finally:
        importlib.reload(smarketing.urls)
        clear_url_caches()
    assert resolver(smarketing.urls).resolve("/bench/bare").url_name == "bench_bare"


def test_production_settings_leave_devtools_out_and_development_has_it():
    script = "from django.conf import settings as s; print('devtools' in s.INSTALLED_APPS)"
    production = manage(
        "shell", "--no-imports", "-c", script,
        DATABASE_URL="sqlite:////tmp/smarketing-never-created.sqlite3",
        SECRET_KEY="production-like-" + "k" * 50,
        SMARKETING_DEVTOOLS="",
    )  # fmt: skip
    assert production.returncode == 0, production.stderr
    assert production.stdout.split() == ["False"]
    development = manage("shell", "--no-imports", "-c", script, SMARKETING_DEVTOOLS="")
    assert development.stdout.split() == ["True"], development.stderr


def test_one_percentile_for_every_benchmark():
    assert percentile(range(1, 101), 50) == 51
    assert percentile([3, 1, 2], 99) == 3
    assert percentile([], 95) != percentile([], 95)  # NaN: nothing was measured


def test_an_answer_check_reads_the_status_and_the_location():
    posted = expect(302, r"/feedback/calls/\d+/$")
    assert posted(302, "/feedback/calls/12/")
    assert not posted(302, "/accounts/login/")
    assert not posted(200, "/feedback/calls/12/")
    assert expect(200)(200, "")
