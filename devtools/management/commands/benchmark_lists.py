"""In-process timing of the two big lists: the lead list and the salesperson's queue.

    export SMARKETING_DEVTOOLS=1 DATABASE_URL=sqlite:////tmp/scale.sqlite3
    python manage.py migrate && python manage.py seed_scale --calls 200000
    python manage.py benchmark_lists

Issue 7's in-process target: on SQLite with 100,000 leads, through Django's test client
with DEBUG off, each list answers in under 15 ms median with at most 12 SQL queries.
No server and no network: this measures the view, its queries and its template only.
Each page is requested `--requests` times after a warm-up; the query count comes from
one extra request with the queries captured (capturing slows the timed ones otherwise).
A benchmark that prints figures, not a test: timings depend on the machine.
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from devtools.load import percentile
from leads.models import Lead

TARGET_MS = 15
TARGET_QUERIES = 12


class Command(BaseCommand):
    help = "Time the lead list and the queue in-process (test client, DEBUG off)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args, requests, **options):
        if settings.DEBUG:
            raise CommandError("Run it with DEBUG off (set DATABASE_URL, or DEBUG=0).")
        User = get_user_model()
        rep = User.objects.filter(username="scale-rep-1").first()
        marketer = User.objects.filter(username="scale-marketer-1").first()
        if rep is None or marketer is None:
            raise CommandError("No scale-rep-1 / scale-marketer-1: run seed_scale first.")
        source = Lead.objects.filter(status="accepted").values_list("source", flat=True).first()
        pages = [
            ("lead list", marketer, "/leads/all/", {}),
            ("lead list, 2 filters", marketer, "/leads/all/",
             {"status": "accepted", "source": source}),
            ("lead list, page 100", marketer, "/leads/all/", {"page": 100}),
            ("queue", rep, "/leads/queue/", {}),
        ]  # fmt: skip
        self.stdout.write(
            f"{connection.vendor}, {Lead.objects.count():,} leads, DEBUG off, "
            f"{requests} requests per page\n"
        )
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            for name, user, path, query in pages:
                client = Client()
                client.force_login(user)
                for _ in range(10):
                    self.get(client, path, query)
                timings = []
                for _ in range(requests):
                    began = time.perf_counter()
                    self.get(client, path, query)
                    timings.append((time.perf_counter() - began) * 1000)
                with CaptureQueriesContext(connection) as captured:
                    self.get(client, path, query)
                median = statistics.median(timings)
                p95 = percentile(timings, 95)
                queries = len(captured.captured_queries)
                verdict = "met" if median < TARGET_MS and queries <= TARGET_QUERIES else "MISSED"
                self.stdout.write(
                    f"{name:<22} median {median:6.2f} ms  p95 {p95:6.2f} ms  "
                    f"queries {queries:>2}  {verdict}"
                )

    def get(self, client, path, query):
        response = client.get(path, query, secure=True)
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return response
