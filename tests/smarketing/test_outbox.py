"""Background work survives a broker outage and never leaves a rolled-back transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from feedback.models import CallLog, VersionStats
from feedback.tasks import call_log_process_task, version_calls_process_task
from smarketing import outbox
from smarketing.models import OutboxMessage
from tests.feedback.conftest import SAID


def calls_outbox():
    """The engine's rows (one per version while its task has not started)."""
    return OutboxMessage.objects.filter(task_name=version_calls_process_task.name)


def rows_of(task):
    return OutboxMessage.objects.filter(task_name=task.name)


@pytest.fixture
def broker_down(monkeypatch):
    """Make every publish fail the way an unreachable Redis does."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(version_calls_process_task, "apply_async", refuse)
    monkeypatch.setattr(call_log_process_task, "apply_async", refuse)
    return monkeypatch


def test_a_rolled_back_transaction_enqueues_nothing(
    rep_a, v1, accepted_by, django_capture_on_commit_callbacks
):
    from feedback import services

    lead = accepted_by(rep_a)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.call_log_create(
            user=rep_a, lead=lead, version=v1, reaction=4, outcome="interested", edited_body=SAID
        )
        raise RuntimeError("the request failed after saving")
    assert callbacks == []
    assert not calls_outbox().exists()
    assert not CallLog.objects.exists()


def test_logging_a_call_succeeds_while_the_broker_is_down_and_the_work_runs_later(
    client_for, rep_a, v1, accepted_by, broker_down, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(rep_a).post(
            "/feedback/calls/new/",
            {
                "lead": lead.pk,
                "version": v1.pk,
                "channel": "call",
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "reaction": 5,
                "outcome": "meeting_booked",
                "edited_body": SAID,
            },
        )
    assert response.status_code == 302  # the salesperson's work is saved
    [message] = calls_outbox()
    assert message.sent_at is None and message.attempts == 1
    assert "Connection refused" in message.last_error
    assert CallLog.objects.get().processed_at is None

    # Redis is back: the periodic drain sends it, and the effect happens once.
    broker_down.undo()
    assert outbox.outbox_drain() >= 1
    # Draining again (the work may itself have queued follow-ups) counts nothing twice.
    outbox.outbox_drain()
    assert not calls_outbox().filter(sent_at__isnull=True).exists()
    assert VersionStats.objects.get(version=v1).uses == 1
    assert CallLog.objects.get().processed_at is not None
    message.refresh_from_db()
    assert message.sent_at is not None


def test_a_drain_stops_at_the_first_failure_and_keeps_order(rep_a, broker_down):
    for call_log_id in (101, 102, 103):
        OutboxMessage.objects.create(task_name=call_log_process_task.name, args=[call_log_id])
    assert outbox.outbox_drain() == 0
    assert list(rows_of(call_log_process_task).values_list("attempts", flat=True)) == [1, 0, 0]


def test_sending_a_row_twice_sends_it_once(rep_a, v1, log_call):
    log_call(rep_a, v1)
    message = calls_outbox().get()
    assert message.sent_at is not None
    assert outbox.send(message.pk) is False


# --- Coalesced work: enqueue_once with a dedupe key ------------------------------------


@pytest.fixture
def sends(db, monkeypatch):
    """Record what is published instead of running it."""
    sent = []
    monkeypatch.setattr(
        call_log_process_task, "apply_async", lambda args, kwargs, **options: sent.append(args)
    )
    return sent


def test_enqueue_once_writes_one_row_while_its_task_has_not_started(
    sends, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.enqueue_once("work:7", call_log_process_task, 7)
    [message] = rows_of(call_log_process_task)
    assert message.dedupe_key == "work:7" and message.sent_at is not None
    assert sends == [[7]]  # the later enqueues rely on the pending row: nothing sent again


def test_a_released_key_lets_the_next_enqueue_send_a_new_task(
    sends, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue_once("work:7", call_log_process_task, 7)
    assert outbox.release("work:7") is True  # what the task does when it starts
    assert outbox.release("work:7") is False
    with django_capture_on_commit_callbacks(execute=True):
        second = outbox.enqueue_once("work:7", call_log_process_task, 7)
    assert second.pk != first.pk
    assert sends == [[7], [7]]
    # Other keys never coalesce with this one.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_once("work:8", call_log_process_task, 8)
    assert sends == [[7], [7], [8]]


def test_while_the_broker_is_down_one_keyed_row_waits_and_the_drain_sends_it_once(
    db, broker_down, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.enqueue_once("work:7", call_log_process_task, 7)
    [message] = rows_of(call_log_process_task)
    assert message.sent_at is None and message.attempts == 3  # each commit tried once
    sent = []
    broker_down.setattr(
        call_log_process_task, "apply_async", lambda args, kwargs, **options: sent.append(args)
    )
    assert outbox.outbox_drain() == 1
    assert outbox.outbox_drain() == 0
    assert sent == [[7]]


def test_the_drain_frees_a_key_whose_task_never_started(
    sends, django_capture_on_commit_callbacks, monkeypatch
):
    # A broker the drain cannot look into (on Redis a lost task is sent again sooner:
    # tests/smarketing/test_lost_tasks.py).
    monkeypatch.setattr(outbox, "_broker_task_ids", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_once("work:7", call_log_process_task, 7)
    # Sent long ago and never released: the message was lost with the broker's data.
    rows_of(call_log_process_task).update(
        sent_at=timezone.now() - outbox.KEY_HOLD_MAX - timedelta(seconds=1)
    )
    outbox.outbox_drain()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_once("work:7", call_log_process_task, 7)
    assert rows_of(call_log_process_task).count() == 2
    assert sends == [[7], [7]]
