"""Failure drills against real processes: Redis stopped and started, a worker killed.

Both need PostgreSQL (the subprocesses share the test database) and redis-server; they
run in CI's second run. Each uses a private Redis (or queue), so the shared one is safe.
"""

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from feedback.models import CallLog, VersionStats
from smarketing.models import OutboxMessage
from tests.support.worker import (
    ROOT,
    free_port,
    start_redis,
    start_worker,
    stop_redis,
    stop_worker,
    subprocess_env,
    wait_for,
)

pytestmark = pytest.mark.worker


def needs_postgres_and_redis(settings):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and redis-server (the CI's second run has both)")


def driver(*args, redis_url):
    """Run tests/support/failure_driver.py as another process would (a web server, beat)."""
    env = subprocess_env(connection.settings_dict, REDIS_URL=redis_url, TEST_TASKS_EAGER="0")
    return subprocess.run(
        [sys.executable, "-m", "tests.support.failure_driver", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_calls_logged_while_redis_is_down_are_processed_exactly_once_when_it_is_back(
    settings, rep_a, v1, accepted_by, tmp_path
):
    needs_postgres_and_redis(settings)
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    leads = [accepted_by(rep_a) for _ in range(5)]

    # Redis is down: the salesperson's calls are still saved, their work kept.
    result = driver("log", rep_a.pk, v1.pk, *(lead.pk for lead in leads), redis_url=redis_url)
    assert result.returncode == 0, result.stderr
    assert "logged 5 calls" in result.stdout
    # One row for the version's engine task: the five calls coalesce while it waits.
    waiting = OutboxMessage.objects.filter(task_name__endswith="version_calls_process_task")
    assert waiting.filter(sent_at__isnull=True).count() == 1
    assert CallLog.objects.filter(processed_at__isnull=True).count() == 5

    # Redis is back: the periodic drain sends the work and a worker does it, once.
    redis = start_redis(port, tmp_path)
    worker = start_worker(connection.settings_dict, queue="celery", REDIS_URL=redis_url)
    try:
        assert "sent 1" in driver("drain", redis_url=redis_url).stdout
        done = wait_for(lambda: not CallLog.objects.filter(processed_at__isnull=True).exists(), 60)
        assert done, "the worker did not process the drained calls within 60 s"
        assert "sent 0" in driver("drain", redis_url=redis_url).stdout
        assert VersionStats.objects.get(version=v1).uses == 5
        assert waiting.filter(sent_at__isnull=True).count() == 0
    finally:
        stop_worker(worker)
        stop_redis(redis)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("task", ["slow_call_log_process", "slow_version_calls_process"])
def test_a_worker_killed_in_the_middle_of_a_task_runs_it_again_and_the_effect_happens_once(
    request, settings, rep_a, v1, accepted_by, tmp_path, task
):
    needs_postgres_and_redis(settings)
    from feedback import services

    lead = accepted_by(rep_a)
    call = services.call_log_create(
        user=rep_a, lead=lead, version=v1, reaction=5, outcome="meeting_booked",
        edited_body=v1.body,
    )  # fmt: skip
    # The call was processed eagerly on commit; undo that so the killed task is the
    # only thing that can count it.
    CallLog.objects.filter(pk=call.pk).update(processed_at=None)
    VersionStats.objects.filter(version=v1).delete()
    request.getfixturevalue("tasks_through_the_broker")
    marker = tmp_path / "runs.log"
    worker = start_worker(
        connection.settings_dict, pool="prefork", include="tests.support.worker_tasks",
        REDIS_URL=settings.REDIS_URL,
    )  # fmt: skip
    try:
        from tests.support import worker_tasks

        # The task of one call (still run for tasks queued before the sends were
        # coalesced) and the task of a version (what the web sends now).
        target = v1.pk if task == "slow_version_calls_process" else call.pk
        getattr(worker_tasks, task).apply_async((target, str(marker)), queue=worker.queue)
        assert wait_for(lambda: marker.exists() and "started" in marker.read_text(), 60)
        children = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert children, "the prefork worker has no child process to kill"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)  # the child dies mid-task

        done = wait_for(lambda: CallLog.objects.get(pk=call.pk).processed_at is not None, 90)
        assert done, "the task was not run again after the worker was killed"
    finally:
        stop_worker(worker)
    assert marker.read_text().count("started") == 2
    assert VersionStats.objects.get(version=v1).uses == 1
