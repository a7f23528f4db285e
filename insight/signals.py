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

    call_logs_processed.connect(_call_logs_processed, dispatch_uid="insight-call-logs-processed")
    opportunity_changed.connect(_opportunity_changed, dispatch_uid="insight-opportunity-changed")


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
