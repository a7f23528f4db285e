"""The one load client of the development tools, and the processes it drives.

`benchmark_pages` and `loadtest_calls` start gunicorn on 127.0.0.1 and drive it with
logged-in browsers; `benchmark_engine` and `benchmark_import` start one Celery worker;
every benchmark reports percentiles. They all use this module, so that there is one way
to log in over HTTP, one way to time a loop of requests and one definition of p95.

Small on purpose (http.client and threads, no Locust): on a two-core machine the load
generator must cost little next to the server it measures, and the threads spend their
time waiting on sockets. Only 127.0.0.1 is ever contacted.
"""

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
HOST = "127.0.0.1"


def percentile(values: Iterable[float], p: float) -> float:
    """The nearest-rank p-th percentile (p in 0..100) of `values`; NaN when empty."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Browser:
    """One user's browser against 127.0.0.1: cookies, the CSRF header on form posts, and
    either one keep-alive connection (reconnecting once if the server closed it) or a
    new connection per request (`keep_alive=False`, as many short-lived clients)."""

    def __init__(self, port: int, *, keep_alive: bool = True, timeout: float = 120):
        self.port = port
        self.keep_alive = keep_alive
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form=None) -> tuple[int, str]:
        """Send one request; answer (status, Location header)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        attempts = (1, 2) if self.keep_alive else (2,)
        for attempt in attempts:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if not self.keep_alive or response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response.getheader("Location", "")

    def login(self, username: str, password: str) -> bool:
        self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": password}
        )
        return status == 302

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def log_in_all(port: int, usernames: list[str], password: str, **browser) -> list:
    """A logged-in Browser per username (None where the login failed), logged in a few
    at a time so that the password hashing is not what the server is busy with later."""

    def one(username):
        client = Browser(port, **browser)
        try:
            return client if client.login(username, password) else None
        except OSError:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, usernames))


@dataclass
class Timings:
    """What a drive measured: every request's latency (seconds), the answers that were
    not the expected one as (status, detail), and the wall-clock length of the run."""

    latencies: list[float] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0

    def pct(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        return percentile(self.latencies, p) * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def expect(status: int, location_pattern: str = "") -> Callable[[int, str], bool]:
    """An answer check: this status, and a Location matching the pattern if one is given."""

    def check(answered: int, location: str) -> bool:
        return answered == status and (
            not location_pattern or bool(re.search(location_pattern, location))
        )

    return check


def drive(browsers, seconds: float, method: str, path: str, form=None, *, ok) -> Timings:
    """Every browser requests `method path` in a loop, with no think time, on a thread of
    its own, for `seconds`; `form` is the posted form, or a function of the browser that
    answers its own; `ok(status, location)` says whether an answer was the expected one.
    All threads start together and stop at the same deadline."""
    result = Timings()
    lock = threading.Lock()
    go = threading.Event()
    deadline = [0.0]

    def browse(browser):
        body = form(browser) if callable(form) else form
        go.wait()
        while time.monotonic() < deadline[0]:
            began = time.perf_counter()
            try:
                status, location = browser.request(method, path, body)
            except OSError as error:
                status, location = 0, str(error)
            elapsed = time.perf_counter() - began
            good = ok(status, location)
            with lock:
                result.latencies.append(elapsed)
                if not good:
                    result.errors.append((status, location[:100]))

    threads = [threading.Thread(target=browse, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline[0] = started + seconds
    go.set()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


# --- the processes under test ----------------------------------------------------------


def server_env(**extra) -> dict:
    """The environment of a production-like server on loopback: DEBUG off, a fresh secret
    key, plain HTTP, and the development tools installed (for `/bench/bare`)."""
    return dict(os.environ, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
                ALLOWED_HOSTS=HOST, SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0",
                CSRF_COOKIE_SECURE="0", SMARKETING_DEVTOOLS="1", **extra)  # fmt: skip


def start_gunicorn(
    port: int, *, workers: int, threads: int, env: dict, args=(), app: str = "smarketing.wsgi"
):
    """collectstatic, then gunicorn on 127.0.0.1:port with the given environment, serving
    `app` (the page benchmark serves `devtools.wsgi`, which adds the true floor)."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - fixed arguments, our own server
        [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--threads", str(threads), *args],
        cwd=ROOT, env=env,
    )  # fmt: skip


def wait_until_up(port: int, path: str = "/accounts/login/", *, timeout: float = 60) -> bool:
    """Poll until the server answers 200 on `path`; False when it never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def start_worker(*, concurrency: int = 1, pool: str = "prefork", env=None, **popen):
    """One `celery -A smarketing worker` with DEBUG off (no gossip, no mingle)."""
    return subprocess.Popen(  # noqa: S603 - fixed arguments, our own worker
        [sys.executable, "-m", "celery", "-A", "smarketing", "worker", f"--pool={pool}",
         f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env or dict(os.environ, DEBUG="0"), **popen,
    )  # fmt: skip


def wait_for_worker(timeout: float = 60) -> bool:
    """Ping the workers until one answers; False after `timeout` seconds."""
    from celery import current_app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if current_app.control.ping(timeout=0.2):
            return True
    return False


def stop(process, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
