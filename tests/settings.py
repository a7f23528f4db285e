"""Test settings: the real settings plus fast hashing, in-memory email and eager tasks.

The suite runs twice in CI: embedded (no environment) and with DATABASE_URL and
REDIS_URL set, where the cache is Redis and `worker` tests start a real Celery worker.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)

# Tests use a Redis database of their own (the broker's queues, bindings and cache keys),
# emptied when the run ends (tests/support/hygiene.py), so a run leaves no keys and no
# queued task in the database a developer's portal uses. Set in the environment, so the
# worker processes the tests start read the same number.
TEST_REDIS_DB = int(os.environ.get("SMARKETING_TEST_REDIS_DB", "13"))
if os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    _redis = urlsplit(os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{TEST_REDIS_DB}"))

# pytest-xdist runs the suite in several processes ("gw0", "gw1", ...; "main" without it):
# each gets its own test database (pytest-django's suffix), cache keys, upload and state
# folders (below). The processes a test starts inherit PYTEST_XDIST_WORKER, so the same.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

# The embedded broker's queue, beat's schedule and the file cache (smarketing.settings
# STATE_DIR) go to a folder of this run, like the uploads below, never the repository's.
if not os.environ.get("SMARKETING_TEST_STATE_ROOT"):
    os.environ["SMARKETING_TEST_STATE_ROOT"] = str(
        Path(tempfile.gettempdir()) / f"smarketing-test-state-{os.getpid()}"
    )
    os.environ["SMARKETING_STATE_OWNER"] = str(os.getpid())
os.environ["SMARKETING_STATE_DIR"] = str(
    Path(os.environ["SMARKETING_TEST_STATE_ROOT"]) / XDIST_WORKER
)

from smarketing.settings import *  # noqa: E402, F403

# The development tools are tested in every run, also CI's production-like second one
# (DATABASE_URL set, DEBUG off), where the real settings leave them out.
if "devtools" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS[:-1], "devtools", INSTALLED_APPS[-1]]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process after commit, explicitly (the embedded default is a real worker);
# `worker` tests switch this off for themselves, and the helper processes they start
# set TEST_TASKS_EAGER=0 to really use the broker.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_TASKS_EAGER", "1") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The live server for browser tests speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# The Redis database is shared by the run's processes (CI gives each run its own): the
# broker's queues are the worker tests' own (tests/support/worker.py), and the cache keys
# carry the process's name, so that two never read each other's heartbeat.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"smarketing-tests-{XDIST_WORKER}"  # noqa: F405
    CACHES["sessions"]["KEY_PREFIX"] = f"smarketing-tests-{XDIST_WORKER}"  # noqa: F405
else:
    # Per test process (pytest-xdist's workers each have their own), emptied per process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Login throttling is tested on its own (tests/smarketing/test_security.py); elsewhere
# it would need a request on every client.login().
AXES_ENABLED = False
# Tests see objection gaps as they are (the cache is tested on its own).
OBJECTION_GAPS_CACHE_SECONDS = 0
# Uploads go to a folder of this run, never the repository's media/. The first process
# of a run names it in the environment, so that pytest-xdist's workers and the helper
# processes of the worker tests (which inherit the environment) share it; storage makes it
# on the first upload (a command run with these settings leaves nothing behind) and
# tests/support/media.py removes it when that first process ends.
if not os.environ.get("SMARKETING_TEST_MEDIA_ROOT"):
    os.environ["SMARKETING_TEST_MEDIA_ROOT"] = str(
        Path(tempfile.gettempdir()) / f"smarketing-test-media-{os.getpid()}"
    )
    os.environ["SMARKETING_TEST_MEDIA_OWNER"] = str(os.getpid())
MEDIA_ROOT = Path(os.environ["SMARKETING_TEST_MEDIA_ROOT"]) / XDIST_WORKER
