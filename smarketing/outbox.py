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

Lost messages are also sent again, within about a minute: every send carries a task id
of the row's own (`outbox-<pk>-<attempt>`), the worker records when it starts it
(`started_at`, set by smarketing.celery on task_prerun), and the drain resends a row that
was sent more than RESEND_AFTER ago, never started, and whose task id is neither queued
nor reserved by a worker in the broker (a Redis that restarted without its data, or
evicted keys). On a broker the drain cannot look into, only KEY_HOLD_MAX applies.

Sending is bounded: one quick retry, and the broker connection timeouts in settings, so
a request never hangs on an unreachable broker. Every task sent this way must be
idempotent: a row can be sent twice (the send succeeded but marking it failed).
"""

import logging
import re
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
# A sent row not started this long after: the drain asks the broker whether it still
# holds the task, and sends it again if not. With the drain every 30 s, a lost task is
# sent again within a minute. (A task that the broker still holds is never resent, so a
# backlog is not multiplied; one popped by a worker in the instant between the drain's
# two reads could be sent twice, which an idempotent task shrugs off.)
RESEND_AFTER = timedelta(seconds=30)
TASK_ID_PREFIX = "outbox-"
# The task id in a queued message's JSON (its headers' "id"; the unacked hash holds the
# same message inside a list).
_TASK_ID_IN_MESSAGE = re.compile(r'"id": ?"(outbox-\d+-\d+)"')


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
    task_id = f"{TASK_ID_PREFIX}{message.pk}-{message.attempts + 1}"
    try:
        task.apply_async(
            args=message.args,
            kwargs=message.kwargs,
            task_id=task_id,
            retry=True,
            retry_policy=RETRY_POLICY,
        )
    except BROKER_DOWN as exc:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        logger.warning("Broker unreachable; %s stays in the outbox: %s", message, exc)
        return False
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=now,
        attempts=message.attempts + 1,
        last_error="",
        task_id=task_id,
        # An eager task has run by now (task_prerun does not mark eager ones).
        started_at=now if current_app.conf.task_always_eager else None,
    )
    return True


def task_started(task_id: str) -> None:
    """Record that a worker started the task of an outbox row (task_prerun)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return
    pk = task_id[len(TASK_ID_PREFIX) :].split("-", 1)[0]
    if pk.isdigit():
        OutboxMessage.objects.filter(pk=int(pk), started_at__isnull=True).update(
            started_at=timezone.now()
        )


def _broker_task_ids() -> set[str] | None:
    """The task ids the broker holds: queued on the default queue or delivered to a
    worker and not yet acknowledged. None when the broker cannot be looked into (only
    Redis can: the queue is a list of JSON messages, the unacked ones a hash)."""
    app = current_app
    queue = app.conf.task_default_queue
    try:
        with app.connection_for_read() as conn:
            if conn.transport_cls not in ("redis", "rediss"):
                return None
            channel = conn.default_channel
            client = channel.client
            raw = [*client.lrange(queue, 0, -1), *client.hvals(channel.unacked_key)]
    except BROKER_DOWN as exc:
        logger.warning("Broker unreachable; lost tasks are looked for on the next drain: %s", exc)
        return None
    ids = set()
    for item in raw:
        text = item.decode() if isinstance(item, bytes) else str(item)
        ids.update(_TASK_ID_IN_MESSAGE.findall(text))
    return ids


def _lost_resend(now) -> int:
    """Send again the rows whose task the broker lost (see the module's docstring)."""
    suspects = list(
        OutboxMessage.objects.filter(
            sent_at__isnull=False, sent_at__lt=now - RESEND_AFTER, started_at__isnull=True
        ).order_by("pk")[:1000]
    )
    if not suspects:
        return 0
    held = _broker_task_ids()
    if held is None:
        return 0
    resent = 0
    for message in suspects:
        if message.task_id in held:
            continue  # still queued (a backlog) or in a worker's hands: not lost
        logger.warning("The broker lost %s (task %s); sending it again", message, message.task_id)
        if not _publish(message):
            break
        resent += 1
    return resent


def outbox_drain(*, limit: int = 1000) -> int:
    """Send what earlier sends could not (oldest first); returns how many went out.

    Rows are claimed with SKIP LOCKED where the database has it, so two drains running
    at once do not send the same row twice. Keys held longer than KEY_HOLD_MAX after
    their row was sent are released first, and rows whose task the broker lost are sent
    again (see the module's docstring).
    """
    now = timezone.now()
    # First what the broker lost (a resend restarts the row's hold), then the holds that
    # ran out on a broker the drain cannot look into.
    sent = _lost_resend(now)
    OutboxMessage.objects.filter(dedupe_key__isnull=False, sent_at__lt=now - KEY_HOLD_MAX).update(
        dedupe_key=None
    )
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
        rows = rows.select_for_update(skip_locked=True)[:limit]
        for message in list(rows):
            if not _publish(message):
                break  # the broker is still down: try again on the next run
            sent += 1
    return sent
