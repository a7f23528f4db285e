"""Receivers that keep the attribution aggregates current.

The other apps send plain signals from their services (feedback: a call was counted;
leads: an opportunity was created or closed) and know nothing of insight. Each
receiver enqueues the rebuild of that one lead through the transactional outbox: the
task is sent after the sender's transaction commits (so it reads committed rows, and a
rolled-back write enqueues nothing) and survives a broker outage.
"""

from smarketing import outbox


def connect() -> None:
    from feedback.services import call_logs_processed
    from leads.services import opportunity_changed
    from messaging.services import version_published

    call_logs_processed.connect(_call_logs_processed, dispatch_uid="insight-call-logs-processed")
    opportunity_changed.connect(_opportunity_changed, dispatch_uid="insight-opportunity-changed")
    version_published.connect(_version_published, dispatch_uid="insight-version-published")


def _enqueue(lead_id: int) -> None:
    from .tasks import lead_attribution_rebuild_task

    outbox.enqueue(lead_attribution_rebuild_task, lead_id)


def _call_logs_processed(sender, call_logs, **kwargs):
    # One rebuild for the whole batch of calls the engine counted: under load a few
    # hundred calls become one task (and one rollup refresh per version), not hundreds.
    from .tasks import leads_attribution_rebuild_task

    outbox.enqueue(leads_attribution_rebuild_task, sorted({call.lead_id for call in call_logs}))


def _opportunity_changed(sender, opportunity, **kwargs):
    _enqueue(opportunity.lead_id)


def _version_published(sender, version, previous=None, **kwargs):
    # Publishing makes a version rankable (and retires the previous one, which stays
    # ranked): their rank rows are recomputed once the publish commits.
    from .tasks import version_rank_refresh_task

    for published in (version, previous):
        if published is not None:
            outbox.enqueue(version_rank_refresh_task, published.pk)
