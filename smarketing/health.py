"""Health checks for /healthz: database, broker and the worker's last heartbeat."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu import Connection

HEARTBEAT_KEY = "smarketing:worker-heartbeat"


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; say which
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_state() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}
    return {"ok": True, "mode": "redis"}


def worker_state() -> dict:
    """When a worker last ran the heartbeat task (informational: never fails the check)."""
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


def record_heartbeat() -> str:
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
