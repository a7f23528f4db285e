from celery import shared_task

from .health import record_heartbeat


@shared_task
def worker_heartbeat() -> str:
    """Record that a worker is alive; beat runs it every minute and /healthz reports it.

    Idempotent: it only overwrites one timestamp.
    """
    return record_heartbeat()


@shared_task
def outbox_drain_task() -> int:
    """Send the outbox rows that could not be sent when their transaction committed."""
    from .outbox import outbox_drain

    return outbox_drain()
