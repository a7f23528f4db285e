"""python manage.py benchmark_import [--rows 100000]

Writes a vendor-style CSV (with a few bad and duplicate rows), imports it through the same
service as the web and the shell, and prints the time and the process's peak memory.
Run it against a scratch database: it creates real leads.
"""

import csv
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from leads import services


class Command(BaseCommand):
    help = "Measure a large lead import (creates leads: use a scratch database)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, rows, **options):
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
