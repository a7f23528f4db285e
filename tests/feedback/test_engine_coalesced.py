"""The engine's sends are coalesced per version: a burst of calls becomes one task that
drains every waiting call of the version; a periodic sweep catches any call left waiting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import services, tasks
from feedback.models import CallLog, VersionStats
from smarketing import outbox
from smarketing.models import OutboxMessage
from tests.feedback.conftest import SAID


def engine_rows():
    return OutboxMessage.objects.filter(task_name=tasks.version_calls_process_task.name)


@pytest.fixture
def log_unsent(accepted_by, django_capture_on_commit_callbacks):
    """Log a call as the web does, but leave the after-commit sends unrun (no worker)."""

    def log(rep, version, said=None, reaction=4):
        with django_capture_on_commit_callbacks(execute=False):
            return services.call_log_create(
                user=rep, lead=accepted_by(rep), version=version, reaction=reaction,
                outcome="interested", edited_body=version.body if said is None else said,
            )  # fmt: skip

    return log


def test_a_burst_of_calls_on_a_version_enqueues_one_task(rep_a, rep_b, v1, log_unsent):
    calls = [log_unsent(rep_a, v1, SAID), log_unsent(rep_b, v1), log_unsent(rep_a, v1)]
    [row] = engine_rows()
    assert row.args == [v1.pk] and row.dedupe_key == services.engine_key(v1.pk)

    assert tasks.version_calls_process_task(v1.pk) == 3
    assert not CallLog.objects.filter(pk__in=[c.pk for c in calls], processed_at=None).exists()
    assert VersionStats.objects.get(version=v1).uses == 3
    # Run again (a duplicate or a retry): nothing counted twice.
    assert tasks.version_calls_process_task(v1.pk) == 0
    assert VersionStats.objects.get(version=v1).uses == 3


def test_the_task_releases_the_key_first_so_a_later_call_gets_a_task_of_its_own(
    rep_a, v1, log_unsent
):
    log_unsent(rep_a, v1)
    tasks.version_calls_process_task(v1.pk)
    log_unsent(rep_a, v1)  # committed after the task read the waiting calls
    assert engine_rows().count() == 2
    assert engine_rows().filter(dedupe_key__isnull=False).count() == 1


def test_a_task_drains_a_backlog_in_batches_then_hands_over_to_a_fresh_task(
    rep_a, v1, log_unsent, monkeypatch
):
    calls = [log_unsent(rep_a, v1) for _ in range(5)]
    monkeypatch.setattr(services.engine, "ENGINE_BATCH", 2)
    assert tasks.version_calls_process_task(v1.pk) == 5  # batches of 2, 2 and 1
    assert VersionStats.objects.get(version=v1).uses == 5

    calls += [log_unsent(rep_a, v1) for _ in range(5)]
    monkeypatch.setattr(services.engine, "ENGINE_DRAIN_BATCHES", 2)
    assert tasks.version_calls_process_task(v1.pk) == 4
    # Calls still waiting: a fresh task for the version, at the back of the queue, so
    # other versions' tasks are not starved by a busy one.
    assert engine_rows().filter(dedupe_key=services.engine_key(v1.pk)).exists()
    assert tasks.version_calls_process_task(v1.pk) == 1
    assert not CallLog.objects.filter(processed_at=None).exists()
    assert VersionStats.objects.get(version=v1).uses == 10


def test_the_sweep_enqueues_versions_whose_calls_have_waited_too_long(rep_a, v1, log_unsent):
    old, young = log_unsent(rep_a, v1), log_unsent(rep_a, v1)
    # Their task was lost and its key freed (outbox_drain after KEY_HOLD_MAX).
    assert outbox.release(services.engine_key(v1.pk))
    CallLog.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - services.ENGINE_SWEEP_AGE - timedelta(seconds=1)
    )
    assert services.engine_sweep() == 1
    assert engine_rows().filter(dedupe_key=services.engine_key(v1.pk)).count() == 1
    assert services.engine_sweep() == 1  # coalesced with the pending row: no second row
    assert engine_rows().count() == 2
    tasks.version_calls_process_task(v1.pk)
    assert not CallLog.objects.filter(pk__in=[old.pk, young.pk], processed_at=None).exists()
    assert services.engine_sweep() == 0


def test_a_task_sent_before_the_change_still_counts_its_call(rep_a, v1, log_unsent):
    call = log_unsent(rep_a, v1)
    assert tasks.call_log_process_task(call.pk) is True
    assert VersionStats.objects.get(version=v1).uses == 1
