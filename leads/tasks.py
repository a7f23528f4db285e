"""Thin Celery tasks: load by id, call one service. Each is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def lead_import_task(lead_list_id: int) -> int:
    """Run a queued import; a redelivered task resumes after the last committed batch."""
    return services.lead_import_run(lead_list_id=lead_list_id).imported_count


@shared_task
def sla_breaches_scan_task() -> int:
    """Beat runs this every few minutes; a breach is notified once however often."""
    return services.sla_breaches_scan()


@shared_task
def backlog_release_task() -> int:
    """Beat runs this every few minutes, and a close or disqualification enqueues it:
    hands on the backlog's oldest hand-offs as far as each team's room allows. A
    released hand-off is no longer in the backlog, so a second run releases nothing."""
    from smarketing import outbox

    outbox.release(services.BACKLOG_KEY)
    return services.backlog_release()


@shared_task
def lead_imports_stalled_resume_task() -> int:
    """Beat runs this every 15 s: a running import whose worker died is queued again
    (it resumes after its last committed batch). Idempotent: a row lock per import."""
    return services.lead_imports_stalled_resume()
