"""Thin Celery tasks of messaging: load, call one function. Safe to run twice."""

from celery import shared_task

from .freshness import freshness_scan


@shared_task
def freshness_scan_task() -> int:
    """Beat runs this hourly: the owner of a message due for review is asked once
    (the notice is deduplicated per message and clock start, so reruns ask nobody twice)."""
    return freshness_scan()
