"""A test run leaves no upload in the repository's media/ folder."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.media import media_root_is_outside_the_repository


def test_uploads_of_a_test_run_go_to_a_temporary_folder_outside_the_repository(settings):
    assert media_root_is_outside_the_repository()
    name = default_storage.save("imports/check.csv", ContentFile(b"email\n"))
    try:
        assert default_storage.path(name).startswith(str(settings.MEDIA_ROOT))
    finally:
        default_storage.delete(name)


def test_the_run_uses_a_redis_database_of_its_own(settings):
    """CI names the developers' Redis database (REDIS_URL=.../0); the run must not write there."""
    from tests import settings as test_settings

    if not settings.REDIS_URL:
        pytest.skip("no Redis in the embedded run")
    assert settings.REDIS_URL.endswith(f"/{test_settings.TEST_REDIS_DB}")
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
