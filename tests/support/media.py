"""The test run's uploads folder (tests/settings.py makes it): removed at the end of the run
by the process that made it, and checked to be outside the repository."""

import os
import shutil
from pathlib import Path

from django.conf import settings


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("SMARKETING_TEST_MEDIA_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["SMARKETING_TEST_MEDIA_ROOT"], ignore_errors=True)


def media_root_is_outside_the_repository() -> bool:
    base = Path(settings.BASE_DIR).resolve()
    return not Path(settings.MEDIA_ROOT).resolve().is_relative_to(base)
