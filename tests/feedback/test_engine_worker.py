"""The feedback engine in a real Celery worker on Redis: the call commits, the worker counts it."""

import pytest
from django.db import transaction

from feedback import services
from feedback.models import CallLog, Suggestion, VersionStats
from feedback.tasks import version_calls_process_task
from tests.feedback.conftest import SAID
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker


def test_a_real_worker_turns_committed_calls_into_a_suggestion(
    celery_worker_process, rep_a, rep_b, v1, accepted_by, monkeypatch
):
    # Route the engine's task (sent through the outbox) to this test's private worker.
    original = version_calls_process_task.apply_async

    def to_test_queue(*args, **kwargs):
        return original(*args, **{**kwargs, "queue": celery_worker_process.queue})

    monkeypatch.setattr(version_calls_process_task, "apply_async", to_test_queue)
    calls = []
    for rep in (rep_a, rep_b):
        lead = accepted_by(rep)
        with transaction.atomic():
            calls.append(
                services.call_log_create(
                    user=rep,
                    lead=lead,
                    version=v1,
                    reaction=5,
                    outcome="meeting_booked",
                    edited_body=SAID,
                )  # fmt: skip
            )
    done = wait_for(
        lambda: (
            CallLog.objects.filter(pk__in=[c.pk for c in calls], processed_at__isnull=False).count()
            == 2
        ),
        timeout=60,
    )
    assert done, "the worker did not process the calls within 60 s"
    stats = VersionStats.objects.get(version=v1)
    assert (stats.uses, stats.reaction_5) == (2, 2)
    suggestion = Suggestion.objects.get()
    assert (suggestion.call_count, suggestion.rep_count) == (2, 2)
