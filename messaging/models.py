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
    # Freshness (messaging.freshness): the owner re-verifies the live text every
    # `review_interval_days`; publishing a version or "still accurate" restarts the clock.
    review_interval_days = models.PositiveIntegerField(
        default=90, help_text="How often the owner re-verifies the live text, in days."
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
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
    # Live beside the live version as the challenger arm of a running experiment
    # (messaging.services_experiments); Message.live_version stays the control.
    challenger = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = MessageVersionQuerySet.as_manager()

    class Meta:
        ordering = ["message", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="version_number_unique"),
            # "One live version, or one running experiment": one live version that is
            # not a challenger, and at most one live challenger beside it (which only
            # messaging.services_experiments makes, for the experiment's duration).
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status="live", challenger=False),
                name="one_live_version_per_message",
            ),
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status="live", challenger=True),
                name="one_live_challenger_per_message",
            ),
            models.CheckConstraint(
                condition=Q(challenger=False) | Q(status="live"),
                name="only_a_live_version_is_a_challenger",
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


class ReviewWorkflow(models.Model):
    """The review a kind of message goes through before a draft may be published, e.g.
    "product marketing, then legal" for value propositions; a kind without a workflow
    (a talk track) is published by marketing alone. Set by admins in the Django admin;
    the rule that uses it is messaging.review."""

    kind = models.CharField(max_length=30, choices=Message.Kind.choices, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ReviewStep(models.Model):
    """One step of a workflow: who must approve (named people, or anyone in a group)."""

    workflow = models.ForeignKey(ReviewWorkflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=120)
    reviewer_groups = models.ManyToManyField("auth.Group", blank=True, related_name="+")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "position"], name="review_step_position_unique"
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.name}"


class ReviewSubmission(models.Model):
    """A draft sent for review, at the revision it had then. An edit after it bumps the
    draft's revision, so the submission (and every approval) no longer matches: the
    draft goes back to review."""

    version = models.OneToOneField(
        MessageVersion, on_delete=models.CASCADE, related_name="review_submission"
    )
    revision = models.PositiveIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    def __str__(self):
        return f"{self.version} submitted at revision {self.revision}"


class ReviewDecision(models.Model):
    """A reviewer's approval of, or request for changes to, one revision of a draft."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    version = models.ForeignKey(
        MessageVersion, on_delete=models.CASCADE, related_name="review_decisions"
    )
    step = models.ForeignKey(ReviewStep, on_delete=models.CASCADE, related_name="decisions")
    revision = models.PositiveIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self):
        return f"{self.version} r{self.revision}: {self.get_verdict_display()}"


class ReviewComment(models.Model):
    """A reviewer's comment on a passage of a draft. It belongs to the message and the
    passage *key*, not to one version: passage keys carry over from draft to draft
    (messaging.passages), so the comment stays on its passage in every later draft."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="review_comments")
    version = models.ForeignKey(
        MessageVersion, on_delete=models.CASCADE, related_name="review_comments"
    )
    passage_key = models.CharField(max_length=16, blank=True)
    revision = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["message", "passage_key"])]

    def __str__(self):
        return f"Comment on {self.version} ¶{self.passage_key}"


class Experiment(models.Model):
    """A field test of two published versions of one message: the control (the live
    version) and the challenger, live side by side for a period. Each lead is assigned
    one arm by a seeded hash (messaging.arms), so a lead keeps its arm for the whole
    test. The plan (minimum detectable effect, baseline, planned calls per arm, end date)
    is fixed when the experiment starts: the readout is final only at the planned
    horizon, so nobody stops early on a lucky day (insight's readout page)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        ENDED = "ended", "Ended"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="experiments")
    control = models.ForeignKey(MessageVersion, on_delete=models.PROTECT, related_name="+")
    challenger = models.ForeignKey(MessageVersion, on_delete=models.PROTECT, related_name="+")
    seed = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    baseline_rate = models.FloatField(help_text="Expected positive-reaction rate of the control.")
    min_effect = models.FloatField(help_text="Smallest difference worth detecting (absolute).")
    planned_calls_per_arm = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_on = models.DateField(help_text="The planned end of the period.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    winner = models.ForeignKey(
        MessageVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status="running"),
                name="one_running_experiment_per_message",
            )
        ]

    def __str__(self):
        return f"{self.message}: v{self.control.number} vs v{self.challenger.number}"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING

    def arm_of(self, lead_id: int) -> MessageVersion:
        """The version this lead is shown for the whole experiment."""
        from .arms import CONTROL, arm_for

        return self.control if arm_for(self.pk, self.seed, lead_id) == CONTROL else self.challenger
