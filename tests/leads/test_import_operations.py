"""Imports as operations see them: the planner's statistics after a load, and an import
whose worker died."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads import services


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def analyzed_tables(queries) -> set[str]:
    return {
        q["sql"].split()[-1].strip('"') for q in queries if q["sql"].upper().startswith("ANALYZE ")
    }


def test_an_import_refreshes_the_planners_statistics_of_the_tables_it_filled(marketer):
    content = "email,company\n" + "".join(f"p{i}@example.com,Acme {i}\n" for i in range(30))
    upload = SimpleUploadedFile("vendor.csv", content.encode(), content_type="text/csv")
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload, source="Fair")
    services.lead_import_start(lead_list=lead_list, user=marketer)
    with CaptureQueriesContext(connection) as queries:
        services.lead_import_run(lead_list_id=lead_list.pk)
    assert {"leads_lead", "leads_account"} <= analyzed_tables(queries.captured_queries)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT tbl FROM sqlite_stat1 WHERE tbl = 'leads_lead'")
            assert cursor.fetchall()
