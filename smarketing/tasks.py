from celery import shared_task

from .health import record_heartbeat


@shared_task
def worker_heartbeat() -> str:
    """Record that a worker is alive; beat runs it every minute and /healthz reports it.

    Idempotent: it only overwrites one timestamp.
    """
    return record_heartbeat()
