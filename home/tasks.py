"""Thin Celery tasks of the home app."""

from celery import shared_task

from . import services


@shared_task
def weekly_summary_send_task() -> int:
    """Monday morning's summary email to everyone with a role (idempotent per person per
    ISO week: a second run sends nobody a second copy)."""
    return services.weekly_summary_send()
