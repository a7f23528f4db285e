from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q


class Stage(models.TextChoices):
    """Funnel stage a message or play is meant for."""

    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    ONBOARDING = "onboarding", "Onboarding"
    EXPANSION = "expansion", "Expansion"


class Persona(models.Model):
    """A buyer type (e.g. "CFO, mid-size manufacturer") that messages and plays target."""

    DESCRIPTION_MAX = 2000
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, validators=[MaxLengthValidator(DESCRIPTION_MAX)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MessageQuerySet(models.QuerySet):
    def visible_to_sales(self):
        """Messages that have been published at least once: sales never sees drafts."""
        return self.filter(
            Exists(
                MessageVersion.objects.filter(
                    message=OuterRef("pk"),
                    status__in=[MessageVersion.Status.LIVE, MessageVersion.Status.RETIRED],
                )
            )
        )

    def with_status(self, status: str):
        if status == "live":
            return self.filter(live_version__isnull=False)
        if status == "draft":
            return self.filter(
                Exists(
                    MessageVersion.objects.filter(
                        message=OuterRef("pk"), status=MessageVersion.Status.DRAFT
                    )
                )
            )
        if status == "retired":
            return self.filter(live_version__isnull=True).filter(
                Exists(
                    MessageVersion.objects.filter(
                        message=OuterRef("pk"), status=MessageVersion.Status.RETIRED
                    )
                )
            )
        return self


class Message(models.Model):
    """One piece of collateral, e.g. "Value proposition for CFOs"."""

    class Kind(models.TextChoices):
        VALUE_PROPOSITION = "value_proposition", "Value proposition"
        TALK_TRACK = "talk_track", "Talk track"
        EMAIL_TEMPLATE = "email_template", "Email template"
        OBJECTION_HANDLER = "objection_handler", "Objection handler"
        ONE_PAGER = "one_pager", "One-pager"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.VALUE_PROPOSITION)
    personas = models.ManyToManyField(Persona, blank=True, related_name="messages")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.CONSIDERATION)
    tags = models.ManyToManyField(Tag, blank=True, related_name="messages")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_messages"
    )
    # Maintained by messaging.services (publish/retire) so that lists and plays read
    # the live version with a join instead of a subquery per row.
    live_version = models.OneToOneField(
        "MessageVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["kind"]),
            models.Index(fields=["stage"]),
            models.Index(fields=["title"]),
            models.Index(fields=["-updated_at"]),
        ]

    def __str__(self):
        return self.title


class MessageVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status__in=[MessageVersion.Status.LIVE, MessageVersion.Status.RETIRED])

    def readable_by_sales(self):
        return self.published()

    def delete(self):
        if self.exclude(status=MessageVersion.Status.DRAFT).exists():
            raise ValidationError(PUBLISHED_IS_KEPT)
        return super().delete()


PUBLISHED_IS_KEPT = "A published version is never changed or deleted."
# What publishing freezes (the database triggers freeze the same: messaging 0003).
FROZEN_FIELDS = ("body", "body_html", "number", "message_id", "author_id", "change_summary",
                 "published_at", "published_by_id", "origin")  # fmt: skip


class MessageVersion(models.Model):
    """An immutable snapshot of a message's text once published.

    A draft may be edited (each save bumps `revision`, which the editor carries to
    refuse stale saves); publishing freezes it. The database refuses changes to the
    body of a published version (trigger) and allows one live and one draft version
    per message (conditional unique constraints).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"

    class Origin(models.TextChoices):
        TYPED = "typed", "Typed by a marketer"
        SUGGESTION = "suggestion", "Accepted suggestion"
        RESTORED = "restored", "Restored from an older version"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    change_summary = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.TYPED)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived_versions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_versions"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="published_versions",
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = MessageVersionQuerySet.as_manager()

    class Meta:
        ordering = ["message", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["message"], condition=Q(status="live"), name="one_live_version_per_message"
            ),
            models.UniqueConstraint(
                fields=["message"], condition=Q(status="draft"), name="one_draft_per_message"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status__in=["live", "retired"], published_at__isnull=False),
                name="published_versions_have_a_publish_time",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.message} v{self.number}"

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded", {})
        if loaded.get("status", self.Status.DRAFT) != self.Status.DRAFT:
            now = self._frozen_state()
            changed = [f for f in FROZEN_FIELDS if f in loaded and f in now and loaded[f] != now[f]]
            if changed or self.status == self.Status.DRAFT:
                raise ValidationError(PUBLISHED_IS_KEPT)
        super().save(*args, **kwargs)
        self._loaded = self._frozen_state()

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise ValidationError(PUBLISHED_IS_KEPT)
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def clean(self):
        if self.pk and not self.is_draft:
            stored = MessageVersion.objects.filter(pk=self.pk).values("body").first()
            if stored and stored["body"] != self.body:
                raise ValidationError("A published version is never changed again.")

    @classmethod
    def from_db(cls, db, field_names, values):
        version = super().from_db(db, field_names, values)
        # As loaded: save() compares with it, without a query, to keep publishing final.
        version._loaded = version._frozen_state()
        return version

    def _frozen_state(self) -> dict:
        return {k: self.__dict__[k] for k in ("status", *FROZEN_FIELDS) if k in self.__dict__}


class PassageQuerySet(models.QuerySet):
    def delete(self):
        if self.exclude(version__status=MessageVersion.Status.DRAFT).exists():
            raise ValidationError(PUBLISHED_IS_KEPT)
        return super().delete()


class Passage(models.Model):
    """One block of a version's body (heading, paragraph, list item, quote, code).

    `key` is stable across versions: a passage of v5 carries the key of the passage of
    v4 it continues, so feedback can follow "passage 3 of v4" into v5 or know it is
    gone. messaging.passages explains the matching rule.
    """

    class Kind(models.TextChoices):
        HEADING = "heading", "Heading"
        PARAGRAPH = "paragraph", "Paragraph"
        LIST_ITEM = "list_item", "List item"
        QUOTE = "quote", "Quote"
        CODE = "code", "Code"
        TABLE = "table", "Table"
        OTHER = "other", "Other"

    version = models.ForeignKey(MessageVersion, on_delete=models.CASCADE, related_name="passages")
    key = models.CharField(max_length=16)
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()

    objects = PassageQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="passage_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="passage_position_unique"),
        ]
        indexes = [models.Index(fields=["key"])]

    def __str__(self):
        return f"{self.version} ¶{self.position + 1}"

    def save(self, *args, **kwargs):
        if self.pk and self._of_published():
            raise ValidationError(PUBLISHED_IS_KEPT)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._of_published():
            raise ValidationError(PUBLISHED_IS_KEPT)
        return super().delete(*args, **kwargs)

    def _of_published(self) -> bool:
        return MessageVersion.objects.filter(pk=self.version_id).exclude(status="draft").exists()
