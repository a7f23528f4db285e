"""The Celery wiring proved against a real worker process and a real Redis broker."""

import pytest
from django.core.cache import cache

from smarketing.health import HEARTBEAT_KEY
from smarketing.tasks import worker_heartbeat
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker


def test_a_real_worker_runs_the_heartbeat_task_from_redis(celery_worker_process):
    cache.delete(HEARTBEAT_KEY)
    worker_heartbeat.apply_async(queue=celery_worker_process.queue)
    stamp = wait_for(lambda: cache.get(HEARTBEAT_KEY), timeout=30)
    assert stamp, "the worker did not run the task within 30 s"
