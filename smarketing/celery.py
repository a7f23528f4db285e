"""The Celery application, configured from Django settings (CELERY_* names)."""

import contextlib
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

app = Celery("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_tidy(sender=None, **kwargs):
    """Around each task, what Django does around each request: close a connection that
    is broken or older than CONN_MAX_AGE, and health-check it on next use; otherwise
    keep it. (Celery's own close-per-task is off: CELERY_DB_REUSE_MAX in settings.)"""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside the caller's transaction: leave it alone
    from django.db import close_old_connections

    close_old_connections()


@signals.worker_ready.connect
def _heartbeat_at_start(**kwargs):
    """A worker that just started says so at once: /healthz shows it without waiting
    for beat's first heartbeat a minute later."""
    from .health import record_heartbeat

    record_heartbeat()


@signals.task_prerun.connect
def _outbox_task_started(sender=None, task_id=None, **kwargs):
    """Mark the outbox row of this task started, so that the drain does not take it for
    one the broker lost (smarketing/outbox.py). Eager tasks run inside their sender's
    transaction and cannot be lost: nothing to record."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from .outbox import task_started

    task_started(task_id)


@signals.celeryd_init.connect
@signals.beat_init.connect
@signals.before_task_publish.connect
def _broker_folders_made(**kwargs):
    """The embedded broker's folders (settings.STATE_DIR) exist before a worker, beat or
    a sender needs them; made here rather than by the settings, so that a command that
    sends nothing leaves nothing behind. (No folders on Redis.)"""
    from django.conf import settings

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for name in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(name):
            os.makedirs(options[name], exist_ok=True)


@signals.import_modules.connect
def _beat_schedule_folder_made(**kwargs):
    """Beat's schedule folder: a worker and beat import the task modules (this signal)
    before beat opens its schedule; beat_init would come too late."""
    from django.conf import settings

    with contextlib.suppress(OSError):  # a read-only image names its own (--schedule)
        os.makedirs(os.path.dirname(settings.CELERY_BEAT_SCHEDULE_FILENAME), exist_ok=True)
