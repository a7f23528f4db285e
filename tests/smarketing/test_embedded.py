"""The embedded default is real: `make run`'s serve_embedded starts the web server and a
Celery worker with beat on the filesystem broker, and beat's SLA scan records a breach
after a missed first touch. Ctrl-C stops everything.

Runs the real settings (no REDIS_URL, DEBUG on) against a SQLite file and a state dir in
tmp_path, with the SLA scan every 2 s instead of 5 minutes.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings

from tests.support.worker import ROOT, free_port, wait_for

NOT_INHERITED = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}

MISS_A_FIRST_TOUCH = """
from datetime import timedelta
from django.utils import timezone
from leads.models import Lead
lead = Lead.objects.filter(status="accepted", first_touch_at__isnull=True).first()
if lead is None:
    lead = Lead.objects.filter(status="accepted").first()
Lead.objects.filter(pk=lead.pk).update(
    first_touch_at=None, first_touch_due_at=timezone.now() - timedelta(minutes=1)
)
print(lead.pk)
"""


@pytest.fixture
def embedded_env(tmp_path):
    if settings.REDIS_URL:
        pytest.skip("runs in the embedded run (the environment here names Redis)")
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="smarketing.settings",
        DEBUG="1",  # a DATABASE_URL would turn it off; embedded means on
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SMARKETING_STATE_DIR=str(tmp_path / "state"),
        MEDIA_ROOT=str(tmp_path / "media"),
        SLA_SCAN_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    env.pop("SMARKETING_STATE_OWNER", None)
    env.pop("SMARKETING_TEST_STATE_ROOT", None)
    env.pop("TEST_TASKS_EAGER", None)
    return env


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def breaches_of(db_file, lead_id):
    with sqlite3.connect(db_file) as db:
        return db.execute(
            "SELECT count(*) FROM leads_slabreach WHERE lead_id = ?", (lead_id,)
        ).fetchone()[0]


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
            import json

            return json.load(answer)
    except OSError:
        return None


def test_make_runs_worker_and_beat_record_an_sla_breach_and_ctrl_c_stops_all(
    embedded_env, tmp_path
):
    manage(embedded_env, "migrate", "--noinput")
    manage(embedded_env, "seed_demo")
    lead_id = int(manage(embedded_env, "shell", "--no-imports", "-c", MISS_A_FIRST_TOUCH))
    assert breaches_of(tmp_path / "db.sqlite3", lead_id) == 0

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve_embedded", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=embedded_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        # The web server answers, and sees the worker's heartbeat through the file cache.
        health = wait_for(
            lambda: (h := healthz(port)) and h["worker"]["last_heartbeat"] and h, timeout=60
        )
        assert health, (tmp_path / "serve.log").read_text()[-3000:]
        assert health["status"] == "ok"
        assert health["broker"] == {"ok": True, "mode": "filesystem"}
        # Beat's scan, run by the worker, records the missed first touch.
        recorded = wait_for(lambda: breaches_of(tmp_path / "db.sqlite3", lead_id), timeout=60)
        assert recorded == 1, (tmp_path / "serve.log").read_text()[-3000:]
        # The web server and the worker, each leading a process group (with beat in the
        # worker's).
        groups = pgrep("-P", serve.pid)
        assert len(groups) == 2
        assert len(pgrep("-g", *groups)) >= 3
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        returncode = serve.wait(timeout=40)
        log.close()
    assert returncode == 0
    # Nothing left running: the worker shut down warm, both process groups are empty.
    assert "Warm shutdown" in (tmp_path / "serve.log").read_text()
    assert wait_for(lambda: living(pgrep("-g", *groups)) == [], timeout=10)
    # Beat's schedule is in the state dir, not the repository.
    assert list((tmp_path / "state").glob("celerybeat-schedule*"))


def living(pids) -> list[str]:
    """Without zombies (a process whose parent is gone waits for init to reap it)."""

    def state(pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone"

    return [pid for pid in pids if state(pid) not in {"Z", "gone"}]


def pgrep(option, *ids) -> list[str]:
    found = subprocess.run(
        ["pgrep", option, ",".join(map(str, ids))], capture_output=True, text=True
    )
    return found.stdout.split()
