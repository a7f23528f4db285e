"""Receivers that keep the attribution aggregates current.

The other apps send plain signals from their services (feedback: a call was counted;
leads: an opportunity was created or closed) and know nothing of insight. Each
receiver enqueues the rebuild of that one lead through the transactional outbox: the
task is sent after the sender's transaction commits (so it reads committed rows, and a
rolled-back write enqueues nothing) and survives a broker outage.
"""

from smarketing import outbox


def connect() -> None:
    from feedback.services import call_log_processed
    from leads.services import opportunity_changed

    call_log_processed.connect(_call_log_processed, dispatch_uid="insight-call-log-processed")
    opportunity_changed.connect(_opportunity_changed, dispatch_uid="insight-opportunity-changed")


def _enqueue(lead_id: int) -> None:
    from .tasks import lead_attribution_rebuild_task

    outbox.enqueue(lead_attribution_rebuild_task, lead_id)


def _call_log_processed(sender, call_log, **kwargs):
    _enqueue(call_log.lead_id)


def _opportunity_changed(sender, opportunity, **kwargs):
    _enqueue(opportunity.lead_id)
