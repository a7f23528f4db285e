"""Receivers that keep the attribution aggregates and loop health's handoff facts current.

The other apps send plain signals from their services (feedback: a call was counted;
leads: an opportunity was created or closed, a handoff's clock or touches changed; the
breach scan's "sla.breached" domain event) and know nothing of insight.

Attribution: each receiver enqueues the rebuild of that one lead through the
transactional outbox: the task is sent after the sender's transaction commits (so it
reads committed rows, and a rolled-back write enqueues nothing) and survives a broker
outage.

Loop health: the leads' HandoffFact rows are rebuilt at once, inside the sender's
transaction (two queries), so they commit or roll back with the write and the page is
never behind the leads. The signals are sent after the write is complete (an attempt's
resolving of the open breaches included), which Django's post_save is not.
"""

from smarketing import outbox
from smarketing.events import domain_event


def connect() -> None:
    from feedback.services import call_logs_processed
    from leads.services import handoff_clock_changed, opportunity_changed
    from messaging.services import version_published

    call_logs_processed.connect(_call_logs_processed, dispatch_uid="insight-call-logs-processed")
    opportunity_changed.connect(_opportunity_changed, dispatch_uid="insight-opportunity-changed")
    version_published.connect(_version_published, dispatch_uid="insight-version-published")
    handoff_clock_changed.connect(_handoff_clock_changed, dispatch_uid="insight-handoff-clock")
    domain_event.connect(_domain_event, dispatch_uid="insight-domain-event")


def _handoff_clock_changed(sender, lead_ids, **kwargs):
    from .services import handoff_facts_rebuild

    handoff_facts_rebuild(lead_ids=lead_ids)


def _domain_event(sender, name, payload, **kwargs):
    # A breach recorded by the scan counts against its lead's handoff (rule 4); its
    # resolving by an attempt comes with that attempt's handoff_clock_changed.
    if name == "sla.breached":
        from .services import handoff_facts_rebuild

        handoff_facts_rebuild(lead_ids=[payload["lead"]])


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
