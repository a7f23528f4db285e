"""The Celery tasks: thin, idempotent, and run by a real worker in the CI's second run."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leads import services, tasks
from leads.models import Lead, LeadList
from notifications.models import Notification
from tests.support.worker import wait_for


def test_beat_scans_for_sla_breaches_every_few_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["sla-breaches-scan"]
    assert entry["task"] == "leads.tasks.sla_breaches_scan_task"
    assert entry["schedule"] <= 15 * 60


def test_the_scan_task_run_twice_notifies_each_person_once(rep_a, manager_a, handed_to):
    lead = handed_to(rep_a)
    Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=2))
    assert tasks.sla_breaches_scan_task.delay().get() == 1
    assert tasks.sla_breaches_scan_task.delay().get() == 0
    assert Notification.objects.filter(kind="sla_breach").count() == 2
    assert len(mail.outbox) == 2


def test_the_import_task_is_enqueued_after_commit_and_runs_by_id(
    marketer, tmp_path, django_capture_on_commit_callbacks
):
    settings_media = tmp_path
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=settings_media):
        lead_list = services.lead_import_create(
            user=marketer,
            uploaded_file=SimpleUploadedFile("l.csv", b"Email\na@x.example\nb@x.example\n"),
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.lead_import_start(lead_list=lead_list, user=marketer)
        assert len(callbacks) == 1
        assert LeadList.objects.get().status == "queued"
        callbacks[0]()  # the commit happens: eager Celery runs the task
        assert LeadList.objects.get().imported_count == 2
        assert tasks.lead_import_task.delay(lead_list.pk).get() == 2  # redelivery: no change


@pytest.mark.worker
def test_a_real_worker_imports_a_list_in_the_background(celery_worker_process, tmp_path):
    from django.contrib.auth.models import Group, User

    from leads.models import LeadList

    marketer = User.objects.create(username="bg_marketer")
    marketer.groups.add(Group.objects.get(name="Marketing"))
    rows = "".join(f"F,L,p{n}@bg.example\n" for n in range(1500))
    lead_list = services.lead_import_create(
        user=marketer,
        uploaded_file=SimpleUploadedFile("bg.csv", ("First,Last,Email\n" + rows).encode()),
    )
    LeadList.objects.filter(pk=lead_list.pk).update(status="queued")
    tasks.lead_import_task.apply_async(args=[lead_list.pk], queue=celery_worker_process.queue)
    done = wait_for(
        lambda: LeadList.objects.filter(pk=lead_list.pk, status="done").first(), timeout=60
    )
    assert done, "the worker did not finish the import within 60 s"
    assert done.imported_count == 1500
