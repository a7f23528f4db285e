"""The test run's uploads folder and state dir (tests/settings.py names them): removed at
the end of the run by the process that made them, and checked to be outside the
repository."""

import os
import shutil
from pathlib import Path

from django.conf import settings


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("SMARKETING_TEST_MEDIA_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["SMARKETING_TEST_MEDIA_ROOT"], ignore_errors=True)
    # The run's state dir (embedded broker, beat schedule), made the same way.
    if os.environ.get("SMARKETING_STATE_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["SMARKETING_TEST_STATE_ROOT"], ignore_errors=True)


def media_root_is_outside_the_repository() -> bool:
    base = Path(settings.BASE_DIR).resolve()
    return not Path(settings.MEDIA_ROOT).resolve().is_relative_to(base)
