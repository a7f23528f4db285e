"""Calls processed in parallel keep exact per-version figures (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from feedback import services
from feedback.models import CallLog, VersionStats
from tests.feedback.conftest import SAID


@pytest.mark.django_db(transaction=True)
def test_twenty_calls_processed_at_once_are_each_counted_once(
    rep_a, v1, accepted_by, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (CI's second run)")
    calls = []
    for i in range(20):
        lead = accepted_by(rep_a)
        with django_capture_on_commit_callbacks(execute=False):
            calls.append(
                services.call_log_create(
                    user=rep_a,
                    lead=lead,
                    version=v1,
                    reaction=1 + i % 5,
                    outcome="meeting_booked",
                    edited_body=SAID if i % 2 else v1.body,
                )  # fmt: skip
            )
    barrier = threading.Barrier(10)
    errors = []

    def work(chunk):
        try:
            barrier.wait()
            # every call twice, as a retried or duplicated task would
            for call in chunk + chunk:
                services.call_log_process(call_log_id=call.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(calls[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    stats = VersionStats.objects.get(version=v1)
    assert stats.uses == 20
    assert stats.edited_uses == 10
    assert stats.reactions == [4, 4, 4, 4, 4]
    assert stats.outcomes == {"meeting_booked": 20}
    assert CallLog.objects.filter(processed_at__isnull=True).count() == 0
