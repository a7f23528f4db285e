"""`manage.py serve_embedded [addrport]`: the web server and a Celery worker with beat,
from one command (what `make run` starts). Ctrl-C (or SIGTERM) stops both.

A small supervisor rather than honcho or supervisord: two children, no new dependency.
Each child runs in a process group of its own, so the signal reaches runserver's
autoreloader child and the worker's beat process too; the supervisor forwards SIGINT
and SIGTERM to both groups, waits for a warm shutdown (the worker finishes its task) and
kills what is left after STOP_SECONDS. When one child dies the other is stopped, and the
command exits non-zero: a half-running portal is not left behind.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_SECONDS = 20


class Command(BaseCommand):
    help = "Serve the portal and run a Celery worker with beat beside it (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true", help="Pass --noreload to runserver.")

    def handle(self, *args, addrport, noreload, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        web = [*manage, "runserver", addrport, *(["--noreload"] if noreload else [])]
        worker = [
            sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--beat",
            "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ]  # fmt: skip
        # Our own interpreter and arguments, no shell: nothing untrusted runs.
        children = {
            "worker": subprocess.Popen(worker, cwd=settings.BASE_DIR, process_group=0),  # noqa: S603
            "web": subprocess.Popen(web, cwd=settings.BASE_DIR, process_group=0),  # noqa: S603
        }
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"Serving http://{addrport}/ with a Celery worker and beat "
            f"(broker {settings.CELERY_BROKER_URL}); Ctrl-C stops both."
        )
        failed = None
        while not stopping and failed is None:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = name
            time.sleep(0.2)
        if failed:
            self.stderr.write(f"The {failed} process ended (exit {children[failed].returncode});")
            self.stderr.write("stopping the rest.")
        self._stop(children.values())
        if failed:
            raise SystemExit(1)

    def _stop(self, children):
        for child in children:
            if child.poll() is None:
                _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait(timeout=5)
            # What the child left in its group (beat, the reloader's server) goes too.
            _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
