"""Thin Celery tasks of the feedback engine: each loads by id and calls one service."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def call_log_process_task(call_log_id: int) -> bool:
    """Count a call and group its edits (idempotent: a second run changes nothing)."""
    return services.call_log_process(call_log_id=call_log_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def version_published_task(version_id: int) -> int:
    """Tell contributors their wording shipped; mark suggestions stale (idempotent)."""
    return services.version_published_process(version_id=version_id)


@shared_task
def suggestions_refresh_task() -> int:
    """Recompute open suggestions' evidence: wins change as opportunities close."""
    return services.suggestions_refresh_open()


@shared_task
def digest_send_task() -> int:
    """Send each marketer today's digest once (new suggestions, objection gaps)."""
    return services.digest_send_daily()
