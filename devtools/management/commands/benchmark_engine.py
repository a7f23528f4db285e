"""python manage.py benchmark_engine [--backlog 4000] [--rate 200] [--seconds 30]

Measures the feedback engine in a real Celery worker (prefork, concurrency 1) on
PostgreSQL and Redis, on this machine only (127.0.0.1):

1. throughput: with one worker started and idle, a backlog of call logs is committed
   without its tasks, then the engine is enqueued for each version as the web does; the
   time from that commit to the last call counted gives call logs/s. The insight
   rebuilds that the engine enqueues run on the same worker and are waited for too
   ("queue empty").
2. delay under load: calls are committed at a steady rate for some seconds while the
   worker runs; for each call the delay from its commit to the commit of the engine
   transaction that counted it (and refreshed its suggestion) gives p50/p95.

The mix: about half the calls edit one or two of a few passages, in wordings that
gather into several open suggestions on the busy versions; reactions, outcomes and
salespeople vary. Calls are written by the same code as call_log_create minus the web
request's own checks, so that one process produces the target rate; the engine is
enqueued as the web does (engine_enqueue: the outbox, coalesced per version).
Use a scratch database: the cast and the calls stay behind.
"""

import random
import statistics
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from devtools import load
from feedback import services as feedback_services
from feedback.models import CallLog, PassageEdit, Suggestion, VersionStats
from leads import services as lead_services
from leads.models import Lead, Team, TeamMembership
from messaging import services as messaging_services
from messaging.models import Message
from smarketing.roles import MARKETING, SALES

ROOT = Path(settings.BASE_DIR)
PASSAGES = [
    "Finance teams lose four days a month reconciling spreadsheets.",
    "Our close automation matches bank lines to the ledger as they arrive.",
    "Customers like Acme cut their month-end close from six days to two.",
    "It connects to your ERP in a week, with no change to your chart of accounts.",
    "Book a 20-minute walkthrough with our finance lead.",
]
# Wordings salespeople use for passages 2-4: each group gathers into one suggestion.
WORDINGS = {
    1: [
        "Your finance team loses four days every month reconciling spreadsheets by hand.",
        "Finance loses nearly a week each month matching spreadsheets line by line.",
    ],
    2: [
        "Our automation matches every bank line to your ledger the moment it arrives.",
        "We reconcile bank lines against the ledger continuously, not at month end.",
    ],
    3: [
        "Acme went from a six-day close to a two-day close in one quarter.",
        "Teams like Acme now close the month in two days instead of six.",
    ],
}
OUTCOMES = [value for value, _label in CallLog.Outcome.choices]


class Command(BaseCommand):
    help = "Measure the feedback engine on one worker (use a scratch database)."
    enqueue = True  # off while the throughput backlog is written

    def add_arguments(self, parser):
        parser.add_argument("--backlog", type=int, default=4000, help="calls for throughput")
        parser.add_argument("--rate", type=float, default=200, help="calls/s for the delay")
        parser.add_argument("--seconds", type=int, default=30, help="length of the load phase")
        parser.add_argument("--versions", type=int, default=3, help="busy message versions")
        parser.add_argument("--reps", type=int, default=40)

    def handle(self, *args, backlog, rate, seconds, versions, reps, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("Run it on PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
        for url in (settings.REDIS_URL, _database_host()):
            if url and "127.0.0.1" not in url and "localhost" not in url:
                raise CommandError("The benchmark only runs against 127.0.0.1.")
        broker = redis.Redis.from_url(settings.REDIS_URL)
        if broker.llen("celery") or broker.hlen("unacked"):
            raise CommandError("The broker's queue is not empty: use a Redis database of its own.")
        self.stdout.write(f"Building the cast: {versions} live versions, {reps} salespeople...")
        cast = self.cast(versions, reps)
        self.seed_suggestions(cast)
        open_per_version = [
            Suggestion.objects.open().filter(version=v).count() for v in cast["versions"]
        ]
        self.stdout.write(f"open suggestions per version: {open_per_version}")

        # 1. Throughput: a committed backlog, then one worker drains it. The worker is
        # started (and idle) first, the backlog committed without its tasks, then the
        # engine enqueued for each version at once: the clock starts there, not at the
        # worker's first answer (which may come after a coalesced backlog is drained).
        worker = self.start_worker()
        try:
            self.wait_until_ready()
            self.wait_until_queue_empty(broker, time.monotonic())
            self.enqueue = False
            first_id = self.produce(cast, backlog)
            self.enqueue = True
            started = time.monotonic()
            with transaction.atomic():
                for version in cast["versions"]:
                    feedback_services.engine_enqueue(version_id=version.pk)
            counted_in = self.wait_until_counted(first_id, started, timeout=max(120, backlog))
            queue_empty_in = self.wait_until_queue_empty(broker, started)
            self.check_exact(cast)
            throughput = backlog / counted_in
            self.stdout.write(
                f"throughput         {backlog} calls counted in {counted_in:.1f} s "
                f"= {throughput:.0f} call logs/s (queue empty, insight included, "
                f"after {queue_empty_in:.1f} s)"
            )

            # 2. Delay from commit to counted, at a steady rate, with the worker running.
            commits = self.produce_steadily(cast, rate, seconds)
            self.wait_until_counted(min(commits), time.monotonic(), timeout=600)
            self.wait_until_queue_empty(broker, time.monotonic())
            self.report_delays(commits, rate, seconds)
            self.check_exact(cast)
        finally:
            self.stop(worker)

    # --- the cast ----------------------------------------------------------------------

    @transaction.atomic
    def cast(self, versions, reps):
        user_model = get_user_model()
        marketer, _ = user_model.objects.get_or_create(username="engine_marketer")
        marketer.groups.add(Group.objects.get(name=MARKETING))
        team, _ = Team.objects.get_or_create(name="Engine benchmark team")
        sales = Group.objects.get(name=SALES)
        live = []
        for n in range(versions):
            title = f"Engine benchmark message {n}"
            message = Message.objects.filter(title=title).first()
            if message is None:
                message = messaging_services.message_create(
                    user=marketer, title=title, kind="talk_track", stage="decision",
                    body="\n\n".join([f"# Close faster {n}", *PASSAGES]),
                )  # fmt: skip
                draft = message.versions.get()
                messaging_services.version_publish(
                    version=draft, user=marketer, change_summary="Benchmark"
                )
                message.refresh_from_db()
            live.append(message.live_version)
        leads = []
        for n in range(reps):
            rep, created = user_model.objects.get_or_create(username=f"engine_rep_{n}")
            if created:
                rep.groups.add(sales)
                TeamMembership.objects.get_or_create(user=rep, defaults={"team": team})
            lead = Lead.objects.filter(owner=rep, status=Lead.Status.ACCEPTED).first()
            if lead is None:
                lead = lead_services.lead_create(
                    user=marketer, email=f"engine-lead-{n}@bench.example"
                )
                [handoff] = lead_services.lead_handoff(leads=[lead], user=marketer, to_user=rep)
                lead_services.handoff_accept(handoff=handoff, user=rep)
                lead.refresh_from_db()
            leads.append(lead)
        return {"versions": live, "leads": leads}

    def seed_suggestions(self, cast):
        """One call per wording on every version, counted in this process: the busy
        versions start with several open suggestions each."""
        with transaction.atomic():
            calls = [
                self.call(cast, version=version, edits={key: wording})
                for version in cast["versions"]
                for key, wordings in WORDINGS.items()
                for wording in wordings
            ]
        for call in calls:
            feedback_services.call_log_process(call_log_id=call.pk)

    # --- producing calls ---------------------------------------------------------------

    def call(self, cast, *, version=None, edits=None, rng=random):
        """Write one call log and its edits and enqueue the engine, as call_log_create
        does (a web request's permission checks and attempt row aside)."""
        if version is None:
            # A few versions get most of the use.
            weights = [2**-n for n in range(len(cast["versions"]))]
            version = rng.choices(cast["versions"], weights=weights)[0]
        lead = rng.choice(cast["leads"])
        if edits is None:
            edits = {}
            if rng.random() < 0.5:
                for key in rng.sample(sorted(WORDINGS), rng.choice([1, 1, 2])):
                    edits[key] = rng.choice(WORDINGS[key])
        paragraphs = list(PASSAGES)
        for index, wording in edits.items():
            paragraphs[index] = wording
        body = "\n\n".join([version.body.split("\n\n", 1)[0], *paragraphs])
        passage_edits = feedback_services.passage_edits_for(version=version, edited_body=body)
        call = CallLog.objects.create(
            lead=lead, salesperson_id=lead.owner_id, version=version, channel="call",
            occurred_at=timezone.now() - timedelta(seconds=rng.randint(0, 3600)),
            reaction=rng.randint(1, 5), outcome=rng.choice(OUTCOMES), edited_body=body,
            has_edits=bool(passage_edits),
        )  # fmt: skip
        for edit in passage_edits:
            edit.call_log = call
        PassageEdit.objects.bulk_create(passage_edits)
        # As the web does: one outbox row per version until its task starts, sent after
        # the commit (a call whose version already has one adds nothing).
        if self.enqueue:
            feedback_services.engine_enqueue(version_id=version.pk)
        return call

    def produce(self, cast, count) -> int:
        """Commit `count` calls in transactions of 50; returns the first call's id."""
        rng = random.Random(7)
        first = None
        for start in range(0, count, 50):
            with transaction.atomic():
                for _ in range(min(50, count - start)):
                    call = self.call(cast, rng=rng)
                    first = first or call.pk
        return first

    def produce_steadily(self, cast, rate, seconds) -> dict[int, float]:
        """Commit calls at `rate` per second, in small transactions every 50 ms; returns
        each call's commit time (time.time(), taken by the first on-commit hook, so
        before the tasks are sent)."""
        rng = random.Random(11)
        commits: dict[int, float] = {}
        tick = 0.05
        began = time.monotonic()
        made = 0
        while (elapsed := time.monotonic() - began) < seconds:
            # At most one second's worth per transaction: a producer that falls behind
            # does not turn into one huge transaction.
            due = min(int(rate * elapsed) - made, int(rate))
            if due > 0:
                ids: list[int] = []
                with transaction.atomic():
                    transaction.on_commit(
                        lambda ids=ids: commits.update(dict.fromkeys(ids, time.time()))
                    )
                    ids += [self.call(cast, rng=rng).pk for _ in range(due)]
                made += due
            time.sleep(max(0.0, tick - (time.monotonic() - began - elapsed)))
        self.stdout.write(
            f"load               {made} calls committed in {seconds} s "
            f"({made / seconds:.0f}/s; target {rate:.0f}/s)"
        )
        return commits

    # --- the worker --------------------------------------------------------------------

    def start_worker(self):
        # A file, not a pipe: a pipe nobody reads would fill up and stall the worker.
        self.worker_log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        return load.start_worker(stdout=subprocess.DEVNULL, stderr=self.worker_log)

    def wait_until_ready(self) -> float:
        if load.wait_for_worker(timeout=60):
            return time.monotonic()
        raise CommandError("the worker did not start")

    def wait_until_counted(self, first_id, started, *, timeout) -> float:
        calls = CallLog.objects.filter(pk__gte=first_id)
        while time.monotonic() < started + timeout:
            if not calls.filter(processed_at__isnull=True).exists():
                # The worker's own timestamps end the measurement, not this poll's.
                last = calls.aggregate(last=Max("processed_at"))["last"]
                lag = (timezone.now() - last).total_seconds()
                return time.monotonic() - lag - started
            time.sleep(0.1)
        raise CommandError(f"calls still waiting after {timeout} s")

    def wait_until_queue_empty(self, broker, started) -> float:
        while time.monotonic() < started + 600:
            if not broker.llen("celery") and not broker.hlen("unacked"):
                return time.monotonic() - started
            time.sleep(0.1)
        raise CommandError("the queue did not empty")

    def stop(self, process):
        # Only failures of the worker are shown: its per-task log lines are not the point.
        load.stop(process)
        self.worker_log.seek(0)
        errors = self.worker_log.read()
        self.worker_log.close()
        for line in errors.splitlines():
            if "ERROR" in line or "Traceback" in line:
                self.stderr.write(line)

    # --- results -----------------------------------------------------------------------

    def report_delays(self, commits, rate, seconds):
        counted = dict(
            CallLog.objects.filter(pk__in=list(commits)).values_list("pk", "processed_at")
        )
        edited = set(
            CallLog.objects.filter(pk__in=list(commits), has_edits=True).values_list(
                "pk", flat=True
            )
        )
        delays = sorted(counted[pk].timestamp() - at for pk, at in commits.items())
        with_edits = sorted(
            counted[pk].timestamp() - at for pk, at in commits.items() if pk in edited
        )

        pct = load.percentile
        self.stdout.write(
            f"delay commit→suggestion current (calls with edits, {len(with_edits)}): "
            f"p50 {pct(with_edits, 50):.2f} s  p95 {pct(with_edits, 95):.2f} s  "
            f"max {with_edits[-1]:.2f} s"
        )
        self.stdout.write(
            f"delay commit→counted (all calls, {len(delays)}): p50 {pct(delays, 50):.2f} s  "
            f"p95 {pct(delays, 95):.2f} s  mean {statistics.mean(delays):.2f} s"
        )

    def check_exact(self, cast):
        """Every counted call counted once: per version, uses = processed calls, and
        every open suggestion's evidence matches a fresh recomputation."""
        for version in cast["versions"]:
            uses = VersionStats.objects.filter(version=version).aggregate(n=Sum("uses"))["n"]
            processed = CallLog.objects.filter(version=version, processed_at__isnull=False)
            if uses != processed.count():
                raise CommandError(f"{version}: uses {uses} != processed {processed.count()}")
        for suggestion in Suggestion.objects.open().filter(version__in=cast["versions"]):
            stored = (suggestion.call_count, suggestion.without_count)
            fresh = feedback_services.suggestion_refresh(suggestion=suggestion)
            if stored != (fresh.call_count, fresh.without_count):
                raise CommandError(f"suggestion {suggestion.pk}: {stored} was stale")
        self.stdout.write(
            self.style.SUCCESS("exact              uses = processed calls; evidence current")
        )


def _database_host() -> str:
    return str(settings.DATABASES["default"].get("HOST") or "127.0.0.1")
