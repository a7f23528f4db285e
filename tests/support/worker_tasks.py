"""Tasks that only the worker-failure test loads
(`celery worker --include tests.support.worker_tasks`)."""

import time
from pathlib import Path

from celery import shared_task


@shared_task
def slow_call_log_process(call_log_id: int, marker: str) -> bool:
    """The engine's real service, after a pause long enough to kill the worker in."""
    from feedback import services

    with Path(marker).open("a") as log:
        log.write("started\n")
    time.sleep(4)
    return services.call_log_process(call_log_id=call_log_id)


@shared_task
def slow_version_calls_process(version_id: int, marker: str) -> int:
    """The engine's task of a version, after a pause long enough to kill the worker in."""
    from feedback import services

    with Path(marker).open("a") as log:
        log.write("started\n")
    time.sleep(4)
    return services.version_calls_drain(version_id=version_id)
