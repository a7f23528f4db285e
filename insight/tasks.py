"""Thin Celery tasks: each calls one idempotent rebuild in insight.services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def lead_attribution_rebuild_task(lead_id: int) -> int:
    """Rebuild one lead's attribution and its versions' rollups (idempotent)."""
    return len(services.lead_attribution_rebuild(lead_id=lead_id))


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def leads_attribution_rebuild_task(lead_ids: list[int]) -> int:
    """Rebuild these leads' attribution and their versions' rollups once (idempotent)."""
    return len(services.leads_attribution_rebuild(lead_ids=lead_ids))


@shared_task
def attribution_rebuild_all_task() -> dict:
    """Nightly safety net: rebuild every aggregate from the source rows (attribution,
    and loop health's handoff facts)."""
    result = services.attribution_rebuild_all()
    result["handoff_facts"] = services.handoff_facts_rebuild_all()
    return result


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def version_rank_refresh_task(version_id: int) -> int:
    """Recompute one version's rows of the attribution ranking (idempotent)."""
    return services.version_ranks_refresh(version_ids=[version_id])
