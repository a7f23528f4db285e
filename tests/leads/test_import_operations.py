"""Imports as operations see them: the planner's statistics after a load, and an import
whose worker died."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import services
from leads.models import LeadList
from leads.services.imports import IMPORT_RESUMES_MAX, IMPORT_STALE_AFTER


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


def started_import(marketer, rows=30):
    content = "email,company\n" + "".join(f"p{i}@example.com,Acme\n" for i in range(rows))
    upload = SimpleUploadedFile("vendor.csv", content.encode(), content_type="text/csv")
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload, source="Fair")
    services.lead_import_start(lead_list=lead_list, user=marketer)
    return lead_list


def worker_died(lead_list, seconds_ago):
    """The worker took the import, stamped it, then died (the broker would hand the task
    back only after its visibility timeout, an hour)."""
    LeadList.objects.filter(pk=lead_list.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_an_import_whose_worker_died_is_resumed_within_a_minute(
    marketer, django_capture_on_commit_callbacks
):
    lead_list = started_import(marketer)
    worker_died(lead_list, seconds_ago=45)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lead_imports_stalled_resume() == 1
    lead_list.refresh_from_db()
    assert (lead_list.status, lead_list.imported_count, lead_list.resume_count) == ("done", 30, 1)


def test_a_running_import_that_stamps_its_heartbeat_is_left_to_its_worker(
    marketer, django_capture_on_commit_callbacks
):
    lead_list = started_import(marketer)
    worker_died(lead_list, seconds_ago=5)  # alive: stamped 5 s ago
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.lead_imports_stalled_resume() == 0
    assert callbacks == []
    lead_list.refresh_from_db()
    assert (lead_list.status, lead_list.resume_count) == ("running", 0)


def test_every_committed_batch_stamps_the_heartbeat(marketer):
    lead_list = started_import(marketer)
    worker_died(lead_list, seconds_ago=600)
    services.lead_import_run(lead_list_id=lead_list.pk, batch_size=10)
    lead_list.refresh_from_db()
    assert timezone.now() - lead_list.heartbeat_at < timedelta(seconds=5)


def test_an_import_that_keeps_stopping_is_failed_with_its_rows_so_far_kept(marketer):
    lead_list = started_import(marketer)
    LeadList.objects.filter(pk=lead_list.pk).update(resume_count=IMPORT_RESUMES_MAX)
    worker_died(lead_list, seconds_ago=120)
    assert services.lead_imports_stalled_resume() == 0
    lead_list.refresh_from_db()
    assert lead_list.status == "failed"
    assert "stopped 4 times" in lead_list.error


def test_beat_sweeps_for_stalled_imports_often_enough_to_resume_within_a_minute(settings):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "leads.tasks.lead_imports_stalled_resume_task"
    )  # fmt: skip
    assert IMPORT_STALE_AFTER.total_seconds() + entry["schedule"] <= 60
