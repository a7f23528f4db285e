"""Tables of the project's own app: the audit trail and the task outbox.

Having a models module also makes Django send this app post_migrate (also after a
test flush), which re-creates the role groups.
"""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what, when, with the state before and after: never edited, never deleted.

    The database refuses UPDATE and DELETE on this table (trigger, see migration 0003).
    `actor` has no foreign-key constraint so that deleting a user keeps their entries;
    `actor_label` keeps their name.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["-created_at"], name="audit_created_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self):
        return f"{self.actor_label or 'system'} {self.action} {self.target_label}"


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that needs it.

    If the broker is down when the transaction commits, the row stays unsent and the
    periodic drain sends it once the broker is back: the work is never lost. Tasks are
    idempotent, so a row sent twice (sent, then the mark failed) changes nothing more.
    A row may carry a dedupe_key: then it stands for every later enqueue_once of that key
    until its task starts and releases the key.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # "This work is pending": while a row holds its key, enqueue_once with the same key
    # adds nothing (the pending task will see the new rows). The task releases the key
    # when it starts (outbox.release); see smarketing/outbox.py.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The Celery task id of the last send, and when a worker started that task (set by
    # smarketing.celery on task_prerun): a row sent a while ago, never started and no
    # longer in the broker's queue was lost by the broker, and the drain sends it again.
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(
                fields=["sent_at"],
                name="outbox_sent_unstarted_idx",
                condition=models.Q(sent_at__isnull=False, started_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)}"


class IdempotencyKey(models.Model):
    """One form render's token, claimed by the first write it produced.

    A double-submitted form (two clicks, a retry on a bad network, two tabs) carries the
    same token; the unique (scope, key) row decides which post creates the object and the
    others get that object back (see smarketing/idempotency.py).
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


def time_zone_choices():
    """Every IANA zone the server knows, sorted, for the preferences form."""
    import zoneinfo

    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def company_time_zone() -> str:
    return settings.TIME_ZONE


class UserPreferences(models.Model):
    """A person's own settings. The time zone is where the times on pages, notifications
    and emails are shown for them (smarketing.preferences); a person with no row sees the
    company's zone (settings.TIME_ZONE)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        default=company_time_zone,
        help_text="Times on pages, in notifications and in emails are shown in this zone.",
    )

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self):
        return f"Preferences of {self.user}"
