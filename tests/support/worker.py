"""Start a real `celery -A smarketing worker` for tests about background work.

The worker listens on a queue of its own, so a developer's running worker cannot
steal the test's tasks, and uses the test database, so that what the test commits
the worker sees (tests using it need `transactional_db`).
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerProcess:
    queue: str
    process: subprocess.Popen


def database_url_for_tests(settings_dict) -> str:
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("a real worker needs PostgreSQL: the SQLite test database is in memory")
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def subprocess_env(settings_dict, **extra) -> dict:
    """Environment for a subprocess that must use this test run's database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url_for_tests(settings_dict),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def start_worker(settings_dict, *, queue=None, pool="solo", include=None, **env) -> WorkerProcess:
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    command = [
        sys.executable, "-m", "celery", "-A", "smarketing", "worker", f"--pool={pool}",
        "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", queue, "--loglevel=WARNING",
    ]  # fmt: skip
    if include:
        command += ["--include", include]
    process = subprocess.Popen(command, cwd=ROOT, env=subprocess_env(settings_dict, **env))
    return WorkerProcess(queue=queue, process=process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int, directory) -> subprocess.Popen:
    """A private Redis for tests that stop it (the shared one keeps running)."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    ready = wait_for(lambda: _redis_answers(port), timeout=10, interval=0.1)
    assert ready, f"redis-server did not start on port {port}"
    return process


def stop_redis(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_worker(worker: WorkerProcess) -> None:
    worker.process.terminate()
    try:
        worker.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(timeout=10)


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
