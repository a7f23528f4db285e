"""A bounded load test on loopback: N salespeople log calls for S seconds.

    SMARKETING_DEVTOOLS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/smarketing_load \\
    REDIS_URL=redis://127.0.0.1:6379/2 python manage.py loadtest_calls --users 200 --seconds 60

It builds its own cast (a team of salespeople, each with accepted leads, and a live
message version), starts gunicorn and one Celery worker on this machine, then has every
salesperson log in and post call logs in a loop, as fast as the server answers, until
the time is up. Only 127.0.0.1 is ever contacted. It prints requests, errors, latency
percentiles and throughput, then checks that every call log the server acknowledged is
in the database and was processed by the engine exactly once. Use a scratch database:
the cast stays behind for inspection.
"""

import secrets
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Sum

from devtools import load
from feedback.models import CallLog, VersionStats
from leads import services as lead_services
from leads.models import Lead, Team, TeamMembership
from messaging import services as messaging_services
from messaging.models import Message
from smarketing.roles import MARKETING, SALES

PASSWORD = "load-test-" + "x" * 12  # noqa: S105 - a throwaway cast on a scratch database
BODY = "# Close faster\n\nCut month-end close to two days.\n\nBook a walkthrough."


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--port", type=int, default=8095)
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--web-threads", type=int, default=8)

    def handle(self, *args, users, seconds, port, web_workers, web_threads, **options):
        if not (
            settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and settings.REDIS_URL
        ):
            raise CommandError("Run it on PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
        self.stdout.write(f"Building the cast: {users} salespeople with one lead each...")
        version, leads = self.cast(users)
        last_before = CallLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        env = load.server_env(AXES_FAILURE_LIMIT="1000")
        web = load.start_gunicorn(
            port, workers=web_workers, threads=web_threads, env=env,
            args=["--timeout", "90", "--log-level", "warning"],
        )  # fmt: skip
        worker = load.start_worker(concurrency=2, env=env)
        try:
            if not load.wait_until_up(port, "/healthz", timeout=20):
                raise CommandError("gunicorn did not come up")
            results = self.drive(port, leads, version, seconds)
            load.stop(web)
            # The worker keeps going so that the report can see the engine's backlog drain.
            self.report(results, version, last_before, seconds)
        finally:
            load.stop(web)
            load.stop(worker)

    @transaction.atomic
    def cast(self, users):
        marketer, _ = get_user_model().objects.get_or_create(username="load_marketer")
        marketer.groups.add(Group.objects.get(name=MARKETING))
        message = Message.objects.filter(title="Load test message").first()
        if message is None:
            message = messaging_services.message_create(
                user=marketer, title="Load test message", kind="talk_track",
                stage="decision", body=BODY,
            )  # fmt: skip
            draft = message.versions.get()
            messaging_services.version_publish(version=draft, user=marketer, change_summary="Load")
            message.refresh_from_db()
        team, _ = Team.objects.get_or_create(name="Load test team")
        sales = Group.objects.get(name=SALES)
        leads = []
        for n in range(users):
            rep, created = get_user_model().objects.get_or_create(username=f"load_rep_{n}")
            if created:
                rep.set_password(PASSWORD)
                rep.save()
                rep.groups.add(sales)
                TeamMembership.objects.get_or_create(user=rep, defaults={"team": team})
            lead = Lead.objects.filter(owner=rep, status=Lead.Status.ACCEPTED).first()
            if lead is None:
                lead = lead_services.lead_create(
                    user=marketer, email=f"load-lead-{n}-{secrets.token_hex(3)}@example.com"
                )
                [handoff] = lead_services.lead_handoff(leads=[lead], user=marketer, to_user=rep)
                lead_services.handoff_accept(handoff=handoff, user=rep)
            leads.append((rep.username, lead.pk))
        return message.live_version, leads

    def drive(self, port, leads, version, seconds) -> load.Timings:
        """Every salesperson logs in, then posts call logs on their lead in a loop, each
        on a new connection (as many separate browsers would), until the time is up."""
        browsers = load.log_in_all(port, [username for username, _ in leads], PASSWORD,
                                   keep_alive=False, timeout=60)  # fmt: skip
        self.logins_failed = browsers.count(None)
        # Each salesperson posts on their own lead.
        forms = {
            browser: {"lead": lead_id, "version": version.pk, "channel": "call",
                      "occurred_at": "2026-01-05T10:00", "reaction": 4,
                      "outcome": "interested", "edited_body": BODY}
            for browser, (_, lead_id) in zip(browsers, leads, strict=True) if browser
        }  # fmt: skip
        return load.drive(
            list(forms),
            seconds,
            "POST",
            "/feedback/calls/new/",
            forms.get,
            ok=load.expect(302, r"/feedback/calls/\d+/$"),
        )

    def report(self, results, version, last_before, seconds):
        latencies = sorted(results.latencies)
        created = len(latencies) - len(results.errors)
        new_calls = CallLog.objects.filter(version=version, pk__gt=last_before)
        saved = new_calls.count()
        drain_started = time.monotonic()
        pending = None
        while time.monotonic() < drain_started + 180:
            pending = new_calls.filter(processed_at__isnull=True).count()
            if not pending:
                break
            time.sleep(1)
        drained_in = time.monotonic() - drain_started
        # Exactly once: the version's use count equals its processed calls, old and new.
        uses = VersionStats.objects.filter(version=version).aggregate(n=Sum("uses"))["n"] or 0
        processed = CallLog.objects.filter(version=version, processed_at__isnull=False).count()
        counted = saved - pending

        def pct(p):
            return load.percentile(latencies, p) * 1000

        self.stdout.write(f"requests           {len(latencies)}")
        self.stdout.write(f"call logs acked    {created}  ({created / seconds:.1f}/s)")
        self.stdout.write(
            f"errors             {len(results.errors)}  logins failed {self.logins_failed}"
        )
        if latencies:
            self.stdout.write(
                f"latency ms         p50 {pct(50):.0f}  p95 {pct(95):.0f}  p99 {pct(99):.0f}"
                f"  mean {statistics.mean(latencies) * 1000:.0f}"
            )
        self.stdout.write(f"saved in database  {saved}")
        self.stdout.write(
            f"counted by engine  {counted}  (backlog drained in {drained_in:.0f} s; "
            f"{pending} still waiting)"
        )
        self.stdout.write(f"exactly once       version uses {uses} = processed calls {processed}")
        for status, where in results.errors[:5]:
            self.stdout.write(f"  error: {status} {where}")
        # Saved: every acknowledged call is in the database. Counted: the engine counted
        # each call at most once (it may still be working through a backlog).
        ok = (
            not results.errors and not self.logins_failed and saved == created and uses == processed
        )
        self.stdout.write(self.style.SUCCESS("PASS") if ok else self.style.ERROR("FAIL"))
        if not ok:
            raise CommandError("the load test found errors or lost call logs")
