"""The transactional outbox: background work that survives a broker outage.

`enqueue(task, *args)` writes an OutboxMessage in the caller's transaction and, once
that transaction commits, sends the task. If the broker cannot be reached the row simply
stays unsent: the user's action has succeeded, nothing is lost, and `outbox_drain`
(Celery beat, every 30 s) sends it when the broker is back. A rolled-back transaction
rolls back its outbox rows too, so it enqueues nothing.

Sending is bounded: one quick retry, and the broker connection timeouts in settings, so
a request never hangs on an unreachable broker. Every task sent this way must be
idempotent: a row can be sent twice (the send succeeded but marking it failed).
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# What an unreachable broker raises on publish (redis-py errors are ConnectionError
# subclasses; kombu wraps most in its OperationalError).
BROKER_DOWN = (BrokerError, ConnectionError, OSError, TimeoutError)


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Record `task(*args, **kwargs)` in this transaction; send it after commit."""
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: send(message.pk))
    return message


def send(message_id: int) -> bool:
    """Send one outbox row if it is still unsent; True when it went out."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    return _publish(message)


def _task(name: str):
    if name not in current_app.tasks:
        # A process that never imported the app's task modules (a drain run from the
        # shell, beat) loads them on first need.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _publish(message: OutboxMessage) -> bool:
    task = _task(message.task_name)
    try:
        task.apply_async(
            args=message.args, kwargs=message.kwargs, retry=True, retry_policy=RETRY_POLICY
        )
    except BROKER_DOWN as exc:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        logger.warning("Broker unreachable; %s stays in the outbox: %s", message, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def outbox_drain(*, limit: int = 1000) -> int:
    """Send what earlier sends could not (oldest first); returns how many went out.

    Rows are claimed with SKIP LOCKED where the database has it, so two drains running
    at once do not send the same row twice.
    """
    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
        rows = rows.select_for_update(skip_locked=True)[:limit]
        for message in list(rows):
            if not _publish(message):
                break  # the broker is still down: try again on the next run
            sent += 1
    return sent
