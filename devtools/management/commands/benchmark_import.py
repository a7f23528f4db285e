"""python manage.py benchmark_import [--rows 100000] [--worker]

Writes a vendor-style CSV (with a few bad and duplicate rows), imports it through the same
service as the web and the shell, and prints the time and the process's peak memory.
With --worker (PostgreSQL and Redis on 127.0.0.1) it takes the web's real path instead:
the file is stored and analysed as an upload (lead_import_create), the import is started
(lead_import_start, sent through the outbox) and one Celery worker (prefork, concurrency
1) runs it; the time is from the start to the list being done, the memory the worker
child's peak resident set (VmHWM). Run it against a scratch database: it creates leads.
"""

import csv
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools import load
from leads import services
from leads.models import LeadList
from smarketing.roles import MARKETING


class Command(BaseCommand):
    help = "Measure a large lead import (creates leads: use a scratch database)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--worker", action="store_true", help="through a Celery worker")

    def handle(self, *args, rows, worker, **options):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"benchmark-{rows}.csv"
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    ["First Name", "Last Name", "Email", "Company", "Job Title", "Phone"]
                )
                stamp = int(time.time())
                for n in range(rows):
                    email = f"bench{stamp}-{n}@vendor.example" if n % 500 else "not-an-email"
                    if n % 1000 == 999:
                        email = f"bench{stamp}-{n - 1}@vendor.example"  # duplicate
                    writer.writerow(
                        [f"First{n}", f"Last{n}", email, f"Company {n % 5000}", "CFO", "+1 555"]
                    )
            size = path.stat().st_size
            if worker:
                lead_list, elapsed, peak_mb = self.through_worker(path, rows)
            else:
                started = time.perf_counter()
                lead_list = services.lead_import_file(path=path, name=f"Benchmark {rows}")
                elapsed = time.perf_counter() - started
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{rows} rows ({size / 1024 / 1024:.1f} MB) in {elapsed:.1f} s "
            f"({rows / elapsed:.0f} rows/s); peak RSS {peak_mb:.0f} MB\n"
            f"imported {lead_list.imported_count}, duplicates {lead_list.duplicate_count}, "
            f"rejected {lead_list.rejected_count}"
        )

    def through_worker(self, path, rows):
        """Upload, map and start as the web does; one worker runs the task."""
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("--worker needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
        if "127.0.0.1" not in settings.REDIS_URL:
            raise CommandError("The benchmark only contacts 127.0.0.1.")
        marketer, _ = get_user_model().objects.get_or_create(username="import_benchmark")
        marketer.groups.add(Group.objects.get(name=MARKETING))
        with open(path, "rb") as handle:
            lead_list = services.lead_import_create(
                user=marketer, uploaded_file=File(handle, name=path.name), name=f"Bench {rows}"
            )
        worker = load.start_worker(stdout=subprocess.DEVNULL)
        try:
            if not load.wait_for_worker(timeout=60):
                raise CommandError("the worker did not start")
            started = time.perf_counter()
            services.lead_import_start(lead_list=lead_list, user=marketer)
            peak_kb = 0
            while LeadList.objects.filter(pk=lead_list.pk).values_list("status", flat=True)[
                0
            ] not in (LeadList.Status.DONE, LeadList.Status.FAILED):
                peak_kb = max(peak_kb, _children_peak_kb(worker.pid))
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            peak_kb = max(peak_kb, _children_peak_kb(worker.pid))
        finally:
            load.stop(worker)
        lead_list.refresh_from_db()
        return lead_list, elapsed, peak_kb / 1024


def _children_peak_kb(pid: int) -> int:
    """The highest peak resident set (VmHWM) among the worker's pool children."""
    peak = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak
