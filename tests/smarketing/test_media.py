"""A test run leaves no upload in the repository's media/ folder."""

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
