"""What one request costs in process, without HTTP (issue 19: the bare page's floor).

    export SMARKETING_DEVTOOLS=1 DATABASE_URL=... REDIS_URL=... SECRET_KEY=...
    python manage.py benchmark_request --requests 300 --rounds 3
    python manage.py benchmark_request --only /bench/bare --middleware-costs
    python manage.py benchmark_request --only /bench/bare --profile 25

Calls `devtools.wsgi.application` (the portal, plus the true floor at `/bench/floor`)
directly with a WSGI environ and the session cookie of a person signed in with
`Client.force_login` (`--user`, scale-rep-1 by default; no password is set or hashed),
so neither gunicorn nor the network nor a load client is timed. For each path and round
it prints the median and p95 wall time, the process CPU time per request
(`time.process_time()`, which the other processes on a shared machine do not inflate)
and the SQL queries per request (counted in a separate pass, so that counting is not
timed). `--middleware-costs` times the bare page with each middleware class left out of
the chain in turn (those the page cannot do without are kept), against the full chain,
alternately; `--profile N` prints the N functions of most own time under cProfile.
Answers that are not 200 are counted as errors (the first one is printed).
"""

import cProfile
import io
import pstats
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings

from devtools import FLOOR_PATH

# Without these the bare page is not the bare page (no session, no person, no login).
ESSENTIAL = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smarketing.auth.AuthenticationMiddleware",
}


def environ_for(path: str, cookie: str) -> dict:
    """A GET of `path` (with its query string, if any) as it reaches Django behind the
    TLS-terminating proxy production runs behind: over https, so that a production-like
    run (DEBUG off, SECURE_SSL_REDIRECT on) times the page, not a redirect to it."""
    path_info, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",  # what the proxy says (SECURE_PROXY_SSL_HEADER)
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "https",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class Command(BaseCommand):
    help = "Time requests in process through devtools.wsgi (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--only", default=f"{FLOOR_PATH},/bench/bare")
        parser.add_argument("--requests", type=int, default=300)
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--user", default="scale-rep-1")
        parser.add_argument("--middleware-costs", action="store_true")
        parser.add_argument("--profile", type=int, default=0, metavar="N")

    def handle(self, *args, only, requests, rounds, user, middleware_costs, profile, **opts):
        from devtools.wsgi import application

        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user {user!r}: run seed_scale first.")
        client = Client()
        client.force_login(person)
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
        paths = [p for p in only.split(",") if p]
        self.errors = 0

        if profile:
            self.profile(application, paths, cookie, requests, profile)
            return
        if middleware_costs:
            self.middleware_costs(paths[-1], cookie, requests, rounds)
            return
        self.stdout.write("round  path            median ms  p95 ms  cpu ms/req  queries/req")
        for round_number in range(1, rounds + 1):
            for path in paths:
                wall, cpu = self.run(application, path, cookie, requests)
                queries = self.queries(application, path, cookie)
                self.stdout.write(
                    f"{round_number:>5}  {path:<14}  {statistics.median(wall):>9.3f}  "
                    f"{_p95(wall):>6.3f}  {cpu:>10.3f}  {queries:>11}"
                )
        self.stdout.write(f"errors: {self.errors}")

    def call(self, app, path, cookie):
        status = []
        body = app(environ_for(path, cookie), lambda s, h, exc_info=None: status.append(s))
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
        if not status or not status[0].startswith("200"):
            if not self.errors:
                self.stderr.write(f"{path}: {status[:1]}")
            self.errors += 1

    def run(self, app, path, cookie, requests):
        for _ in range(20):  # warm-up: connections, caches, templates
            self.call(app, path, cookie)
        wall = []
        cpu_started = time.process_time()
        for _ in range(requests):
            started = time.perf_counter()
            self.call(app, path, cookie)
            wall.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / requests
        return wall, cpu

    def queries(self, app, path, cookie, samples=5):
        counted = []

        def count(execute, sql, params, many, context):
            counted.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            for _ in range(samples):
                self.call(app, path, cookie)
        return len(counted) / samples

    def middleware_costs(self, path, cookie, requests, rounds):
        full = list(settings.MIDDLEWARE)
        variants = [("(full chain)", full)] + [
            (name, [m for m in full if m != name]) for name in full if name not in ESSENTIAL
        ]
        handlers = {}
        for label, chain in variants:
            with override_settings(MIDDLEWARE=chain):
                handlers[label] = WSGIHandler()
        cpu = {label: [] for label, _ in variants}
        wall = {label: [] for label, _ in variants}
        for _ in range(rounds):
            for label, _chain in variants:
                times, per_request = self.run(handlers[label], path, cookie, requests)
                wall[label].append(statistics.median(times))
                cpu[label].append(per_request)
        base_wall = statistics.median(wall["(full chain)"])
        base_cpu = statistics.median(cpu["(full chain)"])
        self.stdout.write(f"{path}, {requests} requests x {rounds} rounds, medians of rounds")
        self.stdout.write(f"{'left out':<48} median ms  saves   cpu ms  saves")
        for label, _chain in variants:
            w, c = statistics.median(wall[label]), statistics.median(cpu[label])
            self.stdout.write(
                f"{label:<48} {w:>9.3f} {base_wall - w:>6.3f} {c:>8.3f} {base_cpu - c:>6.3f}"
            )
        self.stdout.write(f"errors: {self.errors}")

    def profile(self, app, paths, cookie, requests, top):
        for path in paths:
            for _ in range(20):
                self.call(app, path, cookie)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                self.call(app, path, cookie)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(top)
            self.stdout.write(f"== {path}: {requests} requests, {stats.total_calls} calls")
            self.stdout.write(out.getvalue())


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
