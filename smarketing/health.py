"""Health checks for /healthz: database, broker and the worker's last heartbeat.

/healthz must answer within a load balancer's patience even when a server accepts the
connection and then never answers (a hung PostgreSQL or Redis): every probe has connect
and socket timeouts of PROBE_SECONDS, and the three probes run side by side, so the
whole check takes about PROBE_SECONDS whatever hangs.
"""

import copy
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu import Connection

HEARTBEAT_KEY = "smarketing:worker-heartbeat"
# libpq counts its connect_timeout in whole seconds and treats less than 2 as 2.
PROBE_SECONDS = 2
# The database alias /healthz probes (a test points it at a hung server).
PROBED_ALIAS = DEFAULT_DB_ALIAS


def _probe_connection(alias: str):
    """A connection of the probe's own, opened fresh (so a hung server shows as a
    connect timeout, not as a query that never returns on a reused connection), with
    the probe's timeouts."""
    settings_dict = copy.deepcopy(connections.settings[alias])
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        options = settings_dict.setdefault("OPTIONS", {})
        options["connect_timeout"] = PROBE_SECONDS
        options["options"] = f"-c statement_timeout={PROBE_SECONDS * 1000}"
    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, alias)


def database_state() -> dict:
    probe = _probe_connection(PROBED_ALIAS)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; say which
        return {"ok": False, "vendor": probe.vendor, "error": exc.__class__.__name__}
    finally:
        probe.close()
    return {"ok": True, "vendor": probe.vendor}


def broker_state() -> dict:
    url = settings.CELERY_BROKER_URL
    mode = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else url.split(":", 1)[0]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": mode}
    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_connect_timeout": PROBE_SECONDS,
        "socket_timeout": PROBE_SECONDS,
    }
    try:
        with Connection(url, connect_timeout=PROBE_SECONDS, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, timeout=PROBE_SECONDS)
    except Exception as exc:
        return {"ok": False, "mode": mode, "error": exc.__class__.__name__}
    return {"ok": True, "mode": mode}


def worker_state() -> dict:
    """When a worker last ran the heartbeat task (informational: never fails the check;
    the cache fails soft, smarketing/cache.py)."""
    try:
        raw = cache.get(HEARTBEAT_KEY)
    except Exception:
        return {"last_heartbeat": None, "seconds_ago": None}
    seen = parse_datetime(raw) if raw else None
    if seen is None:
        return {"last_heartbeat": None, "seconds_ago": None}
    return {
        "last_heartbeat": seen.isoformat(),
        "seconds_ago": round((timezone.now() - seen).total_seconds()),
    }


def health_states() -> tuple[dict, dict, dict]:
    """(database, broker, worker), probed side by side."""
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz") as pool:
        database = pool.submit(database_state)
        broker = pool.submit(broker_state)
        worker = pool.submit(worker_state)
        return database.result(), broker.result(), worker.result()


def record_heartbeat() -> str:
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
