"""The page benchmark of issues 7 and 19: each key page under load, against the floor.

    export SMARKETING_DEVTOOLS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/smk_scale
    export REDIS_URL=redis://127.0.0.1:6379/9
    flock /tmp/smarketing-bench.lock python manage.py benchmark_pages --seconds 4 --rounds 3 \
        --concurrency 1,8

Run it on a database filled by `seed_scale`. It starts gunicorn on 127.0.0.1 (gthread
workers) serving `devtools.wsgi` (the portal, plus the true floor: `/bench/floor`, a
Django view under the same gunicorn with no middleware and no database), gives the
seeded people it logs in as (scale-rep-1, scale-marketer-1) a fresh random password,
and drives every page with its own load generator: N threads, each a logged-in browser
on one keep-alive http.client connection, requesting the page in a loop with no think
time for S seconds, at each concurrency (1, 8 and 32 by default).
The floor and `/bench/bare` (login required, full middleware, a trivial template, no
query of its own) are measured in the same run. With `--rounds N` the pages are driven
in turn N times and each page's latencies pooled, so that load from elsewhere on the
machine falls on every page alike. It prints per page and concurrency: requests/s, p50,
p95, p99 (ms), errors (any status but the expected one, or a socket error) and the
page's p50 and p95 as multiples of the floor's at the same concurrency, then issue 19's
goals against those ratios.

The call-log POST writes real call logs (on the rep's own leads); their engine tasks
wait in the broker (no worker runs, so that the engine does not compete with the pages
for the two cores) and are purged at the end. Only 127.0.0.1 is ever contacted.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools import FLOOR_PATH, load
from devtools.load import Browser, Timings
from feedback.models import VersionStats
from leads.models import Lead
from messaging.models import MessageVersion

# The goal of each page's c=1 p50 as a multiple of the floor, where it is not 15x (the
# lists, the message pages and the call-log POST).
LIMITS_P50 = {"bare": 3, "inbox": 50, "loop health": 50, "attribution": 50}


def ratio(result: Timings, floor: Timings, p: float) -> float:
    return result.pct(p) / floor.pct(p) if floor.latencies else float("nan")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


@dataclass
class Page:
    name: str
    user: str
    path: str
    form: dict | None = None
    expect: int = 200
    check: str = ""  # a regex the Location must match (POST)


class Command(BaseCommand):
    help = "Benchmark the key pages under gunicorn at concurrency 1, 8 and 32 (see docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=8, help="per page and concurrency")
        parser.add_argument("--concurrency", default="1,8,32")
        parser.add_argument("--port", type=int, default=8040)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--only", default="", help="comma-separated page names")
        parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds")

    def handle(self, *args, seconds, concurrency, port, workers, threads, only, rounds, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("Run it on PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
        levels = [int(n) for n in concurrency.split(",")]
        password = secrets.token_urlsafe(16)
        pages = self.pages(password)
        if only:
            wanted = {name.strip() for name in only.split(",")} | {"floor", "bare"}
            pages = [p for p in pages if p.name in wanted]
        env = load.server_env(AXES_FAILURE_LIMIT="100000", LOG_LEVEL="WARNING")
        web = load.start_gunicorn(
            port, workers=workers, threads=threads, env=env, app="devtools.wsgi",
            args=["--worker-class", "gthread", "--keep-alive", "30", "--timeout", "120",
                  "--log-level", "warning"],
        )  # fmt: skip
        self.browsers: dict[str, list[Browser]] = {}
        try:
            if not load.wait_until_up(port):
                raise CommandError("gunicorn did not come up")
            self.stdout.write(
                f"gunicorn {workers} workers x {threads} threads on 127.0.0.1:{port}; "
                f"{rounds} round(s) of {seconds:g} s per page and concurrency\n"
            )
            results = {}
            for level in levels:
                for page in pages:
                    self.drive(port, page, password, level, 1)  # warm-up: caches, connections
                # Rounds interleave the pages, so that a burst of load from elsewhere on
                # the machine falls on every page alike; each page's latencies are pooled.
                for _ in range(rounds):
                    for page in pages:
                        result = self.drive(port, page, password, level, seconds)
                        pooled = results.setdefault((level, page.name), Timings())
                        pooled.latencies += result.latencies
                        pooled.errors += result.errors
                        pooled.seconds += result.seconds
                floor = results[(level, "floor")]
                for page in pages:
                    self.print_row(level, page, results[(level, page.name)], floor)
        finally:
            load.stop(web)
            self.purge_broker()
        self.print_targets(pages, levels, results)

    def pages(self, password: str) -> list[Page]:
        """The key pages, with ids taken from the seeded data: the most used message
        (its live version against its first), the first rep's open leads."""
        User = get_user_model()
        rep = User.objects.filter(username="scale-rep-1").first()
        marketer = User.objects.filter(username="scale-marketer-1").first()
        if rep is None or marketer is None:
            raise CommandError("No scale-rep-1 / scale-marketer-1: run seed_scale first.")
        for user in (rep, marketer):
            user.set_password(password)
            user.save(update_fields=["password"])
        top = VersionStats.objects.order_by("-uses").select_related("version").first()
        message_id = top.version.message_id
        live = MessageVersion.objects.filter(message_id=message_id, status="live").first()
        numbers = sorted(
            MessageVersion.objects.filter(message_id=message_id)
            .exclude(status="draft")
            .values_list("number", flat=True)
        )
        lead = Lead.objects.owned_by(rep).filter(status="accepted").order_by("pk").first()
        s = Lead.objects.filter(status="accepted").values_list("source", flat=True).first()
        call = {"lead": lead.pk, "version": live.pk, "channel": "call",
                "occurred_at": "2026-01-05T10:00", "reaction": 4, "outcome": "interested",
                "edited_body": live.body}  # fmt: skip
        r, m = rep.username, marketer.username
        return [
            Page("floor", r, FLOOR_PATH),
            Page("bare", r, "/bench/bare"),
            Page("queue", r, "/leads/queue/"),
            Page("lead list", m, "/leads/all/?" + urlencode({"status": "accepted", "source": s})),
            Page("library", m, "/messages/"),
            Page("message", m, f"/messages/{message_id}/"),
            Page("compare", m, f"/messages/{message_id}/compare/?a={numbers[0]}&b={numbers[-1]}"),
            Page("inbox", m, "/feedback/inbox/"),
            Page("loop health", m, "/insight/loop-health/"),
            Page("attribution", m, "/insight/attribution/"),
            Page("call-log POST", r, "/feedback/calls/new/", form=call, expect=302,
                 check=r"/feedback/calls/\d+/$"),
        ]  # fmt: skip

    def drive(self, port: int, page: Page, password: str, level: int, seconds: float) -> Timings:
        """`level` logged-in browsers request the page in a loop for `seconds`. Browsers
        are logged in once per user and reused, so that no password hash is timed."""
        pool = self.browsers.setdefault(page.user, [])
        while len(pool) < level:
            browser = Browser(port)
            if not browser.login(page.user, password):
                raise CommandError(f"{page.user} could not log in")
            pool.append(browser)
        method = "POST" if page.form is not None else "GET"
        ok = load.expect(page.expect, page.check)
        return load.drive(pool[:level], seconds, method, page.path, page.form, ok=ok)

    def print_row(self, level, page, result, floor):
        self.stdout.write(
            f"c={level:<3} {page.name:<14} {result.rate:8.1f} req/s  "
            f"p50 {result.pct(50):7.2f}  p95 {result.pct(95):7.2f}  p99 {result.pct(99):7.2f} ms"
            f"  errors {len(result.errors):<4} p50/floor {ratio(result, floor, 50):6.1f}x"
            f"  p95/floor {ratio(result, floor, 95):6.1f}x"
        )

    def print_targets(self, pages, levels, results):
        """Issue 19's goals, each page against the floor of the same run: at c=1 the bare
        page's p50 within 3x, pages 15x, dashboards 50x; at c=8 pages' p95 within 25x of
        the floor's p95 at c=8."""
        self.stdout.write("\nGoals (ratios to the floor of this run):")
        for page in pages:
            if page.name == "floor":
                continue
            limit = LIMITS_P50.get(page.name, 15)
            checks = []
            if 1 in levels:
                r = ratio(results[(1, page.name)], results[(1, "floor")], 50)
                checks.append(f"c=1 p50 {r:6.1f}x (goal {limit}x) {verdict(r <= limit)}")
            if 8 in levels and page.name not in LIMITS_P50:
                r = ratio(results[(8, page.name)], results[(8, "floor")], 95)
                checks.append(f"c=8 p95 {r:6.1f}x (goal 25x) {verdict(r <= 25)}")
            self.stdout.write(f"  {page.name:<14} " + "; ".join(checks))

    def purge_broker(self):
        """Drop the engine tasks the POSTs queued: this is a benchmark database."""
        from smarketing.celery import app

        try:
            purged = app.control.purge()
        except Exception as error:  # noqa: BLE001 - a report, not a failure
            self.stderr.write(f"Could not purge the broker: {error}")
        else:
            self.stdout.write(f"Purged {purged} queued engine tasks.")
