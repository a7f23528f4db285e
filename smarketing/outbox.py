"""The transactional outbox: background work that survives a broker outage.

`enqueue(task, *args)` writes an OutboxMessage in the caller's transaction and, once
that transaction commits, sends the task. If the broker cannot be reached the row simply
stays unsent: the user's action has succeeded, nothing is lost, and `outbox_drain`
(Celery beat, every 30 s) sends it when the broker is back. A rolled-back transaction
rolls back its outbox rows too, so it enqueues nothing.

`enqueue_once(key, task, *args)` coalesces: while a row holding `key` waits for its task
to start (unsent, or sent and still queued), a second enqueue_once of that key adds
nothing. The task calls `release(key)` first thing, then reads the data: whatever
committed before the release is seen by this run, whatever commits after it enqueues a
new row. That turns a burst of calls into one task per version instead of one per call.
The enqueuer takes a row lock on the existing row (an upsert), held to its commit, so a
release waits for enqueuers already relying on the row: none commits unseen. A key left
held by a task that never ran (a lost message) is released by the drain after
KEY_HOLD_MAX, so the worst case is one more task, never lost work.

Sending is bounded: one quick retry, and the broker connection timeouts in settings, so
a request never hangs on an unreachable broker. Every task sent this way must be
idempotent: a row can be sent twice (the send succeeded but marking it failed).
"""

import logging
from datetime import timedelta

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
# A key still held this long after its row was sent: the task is presumed lost (or
# very late); the drain frees the key so the next enqueue_once sends a new task.
KEY_HOLD_MAX = timedelta(minutes=5)


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Record `task(*args, **kwargs)` in this transaction; send it after commit."""
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: send(message.pk))
    return message


def enqueue_once(key: str, task, *args, **kwargs) -> OutboxMessage:
    """Like enqueue, unless a row holding `key` is still pending: then that row stands
    for this call too, and nothing new is written or sent.

    An upsert (INSERT ... ON CONFLICT (dedupe_key) DO UPDATE): on a conflict it locks
    the existing row until this transaction ends, so the task's release() waits for
    this commit and then sees its rows.
    """
    [message] = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name=task.name, args=list(args), kwargs=kwargs, dedupe_key=key)],
        update_conflicts=True,
        unique_fields=["dedupe_key"],
        update_fields=["dedupe_key"],  # a no-op write: it is the row lock that matters
    )
    # Sending is harmless when the row is already sent (send() checks sent_at), and
    # needed when the row is unsent and its own sender is gone (it crashed after commit).
    transaction.on_commit(lambda: send(message.pk))
    return message


def release(key: str) -> bool:
    """Free `key` so that the next enqueue_once writes a new row; the task of a keyed
    row calls this before reading its data. Waits for enqueuers that hold the row's
    lock (their commits are then visible to what the task reads next). True when a
    row held the key."""
    return bool(OutboxMessage.objects.filter(dedupe_key=key).update(dedupe_key=None))


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
    at once do not send the same row twice. Keys held longer than KEY_HOLD_MAX after
    their row was sent are released first (see the module's docstring).
    """
    OutboxMessage.objects.filter(
        dedupe_key__isnull=False, sent_at__lt=timezone.now() - KEY_HOLD_MAX
    ).update(dedupe_key=None)
    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
        rows = rows.select_for_update(skip_locked=True)[:limit]
        for message in list(rows):
            if not _publish(message):
                break  # the broker is still down: try again on the next run
            sent += 1
    return sent
