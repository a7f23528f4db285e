"""Call logs saved in parallel leave exact per-version figures (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from feedback import services
from feedback.models import CallLog, VersionStats
from tests.feedback.conftest import SAID


def run_in_threads(work, items, threads):
    barrier = threading.Barrier(threads)
    errors = []

    def run(chunk):
        try:
            barrier.wait()
            for item in chunk:
                work(item)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(items[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_fifty_call_logs_saved_at_once_leave_exact_figures(rep_a, v1, accepted_by):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (CI's second run)")
    leads = [accepted_by(rep_a) for _ in range(50)]
    numbered = list(enumerate(leads))

    def save(item):
        # Each save commits and then runs the engine (eager here), all fifty at once.
        i, lead = item
        services.call_log_create(
            user=rep_a, lead=lead, version=v1, reaction=1 + i % 5, outcome="meeting_booked",
            edited_body=SAID if i % 2 else v1.body,
        )  # fmt: skip

    assert run_in_threads(save, numbered, threads=10) == []
    # And every call processed again, as duplicated or retried tasks would.
    calls = list(CallLog.objects.all())
    assert run_in_threads(lambda c: services.call_log_process(call_log_id=c.pk), calls, 10) == []

    stats = VersionStats.objects.get(version=v1)
    assert CallLog.objects.count() == 50
    assert stats.uses == 50
    assert stats.edited_uses == 25
    assert stats.reactions == [10, 10, 10, 10, 10]
    assert stats.outcomes == {"meeting_booked": 50}
    assert not CallLog.objects.filter(processed_at__isnull=True).exists()
