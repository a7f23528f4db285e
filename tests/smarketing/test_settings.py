"""Settings read from the environment; production refuses to start unsafely."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a subprocess that
# checks the deployment must not inherit it (or the database and broker settings).
NOT_INHERITED = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "smarketing.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    result = manage("check", DEBUG="0", SECRET_KEY="django-insecure-" + "x" * 60)
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_configuration_passes_check_deploy_without_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_embedded_default_is_sqlite_with_a_real_worker_on_a_filesystem_broker():
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG,"
        " s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL,"
        " s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'], s.CELERY_BEAT_SCHEDULE_FILENAME)"
    )
    result = manage("shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    engine, eager, debug, cache, broker, queue, schedule = result.stdout.split()
    assert (engine, eager, debug) == ("django.db.backends.sqlite3", "False", "True")
    # A file cache: the web process reads the heartbeat the worker process writes.
    assert cache == "django.core.cache.backends.filebased.FileBasedCache"
    assert broker == "filesystem://localhost/"
    # The queue and beat's schedule live in the state dir (the test run's own here).
    state = Path(os.environ["SMARKETING_STATE_DIR"])
    assert Path(queue).is_relative_to(state)
    assert Path(schedule).is_relative_to(state)


def test_redis_url_makes_redis_the_broker_and_the_cache():
    script = (
        "from django.conf import settings as s;"
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "--no-imports", "-c", script, REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "False",
        "smarketing.cache.FailSoftRedisCache",
    ]
