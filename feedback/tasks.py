"""Thin Celery tasks of the feedback engine: each loads by id and calls one service."""

from celery import shared_task

from . import selectors, services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def version_calls_process_task(version_id: int) -> int:
    """Count every waiting call of a version and group their edits (idempotent: a
    second run counts only what is still waiting). One per burst of calls."""
    return services.version_calls_drain(version_id=version_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def call_log_process_task(call_log_id: int) -> bool:
    """Count a call and group its edits (idempotent: a second run changes nothing).
    No longer sent by the web (see version_calls_process_task); kept so that tasks
    queued before that change still run."""
    return services.call_log_process(call_log_id=call_log_id)


@shared_task
def engine_sweep_task() -> int:
    """Enqueue the engine for versions with calls waiting too long (a lost task)."""
    return services.engine_sweep()


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


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def suggestion_counts_refresh_task() -> dict:
    """Recount the suggestions by status for the inbox (idempotent: a rebuild)."""
    return services.suggestion_counts_refresh()


@shared_task
def objection_gaps_refresh_task() -> int:
    """Recount the objection gaps kept for the inbox's panel, ahead of their expiry
    (periodic; a read kept in the cache, so there is no service to call)."""
    return len(selectors.objection_gaps_refresh(limit=5))
