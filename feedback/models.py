from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from leads.models import Lead


class ObjectionTag(models.Model):
    """An objection customers raise ("too expensive"). Marketing manages the list; a tag
    typed by a salesperson is kept as a proposal until marketing approves it."""

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        PROPOSED = "proposed", "Proposed by sales"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged into another"

    name = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_objections",
    )
    # A merged tag stays, pointing at the one it became: a salesperson who types the
    # old name gets the tag it was merged into (feedback.services.objection_tags_resolve).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tags"
    )
    # The message that answers this objection (usually an objection handler).
    handler = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_objections",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="objection_name_unique")]

    def __str__(self):
        return self.name


class CallLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The calls a person may read: the calls on every lead they may see (leads'
        own rule, Lead.objects.for_user: marketing all, a manager their teams', a
        salesperson theirs), and the calls they logged themselves."""
        return self.filter(Q(lead__in=Lead.objects.for_user(user)) | Q(salesperson=user))


class CallLog(models.Model):
    """The record of a conversation: lead, version used, reaction, objections, quote,
    outcome, and the wording the salesperson actually used."""

    class Reaction(models.IntegerChoices):
        VERY_NEGATIVE = 1, "Very negative"
        NEGATIVE = 2, "Negative"
        NEUTRAL = 3, "Neutral"
        POSITIVE = 4, "Positive"
        VERY_POSITIVE = 5, "Very positive"

    class Outcome(models.TextChoices):
        MEETING_BOOKED = "meeting_booked", "Meeting booked"
        PROPOSAL_REQUESTED = "proposal_requested", "Proposal requested"
        INTERESTED = "interested", "Interested, follow up"
        NOT_NOW = "not_now", "Not now"
        NOT_INTERESTED = "not_interested", "Not interested"

    POSITIVE_OUTCOMES = ("meeting_booked", "proposal_requested", "interested")

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="call_logs")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_logs"
    )
    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.PROTECT, related_name="call_logs"
    )
    attempt = models.OneToOneField(
        "leads.Attempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_log"
    )
    channel = models.CharField(max_length=10, default="call")
    occurred_at = models.DateTimeField()
    reaction = models.PositiveSmallIntegerField(choices=Reaction.choices)
    objections = models.ManyToManyField(ObjectionTag, blank=True, related_name="call_logs")
    quote = models.TextField(blank=True, help_text="The customer's own words.")
    quote_passage_key = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    edited_body = models.TextField(blank=True)
    has_edits = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the feedback engine in the transaction that counts this call, so that a
    # retried task never counts it twice.
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = CallLogQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["version", "-occurred_at"], name="calllog_version_idx"),
            models.Index(fields=["salesperson", "-occurred_at"], name="calllog_rep_idx"),
            models.Index(fields=["lead", "-occurred_at"], name="calllog_lead_idx"),
            models.Index(fields=["processed_at"], name="calllog_processed_idx"),
        ]

    def __str__(self):
        return f"Call with {self.lead} on {self.occurred_at:%Y-%m-%d}"

    @property
    def is_positive(self) -> bool:
        return self.reaction >= self.Reaction.POSITIVE


class PassageEdit(models.Model):
    """How one call's wording differed from one passage of the version used."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Left out"
        ADDED = "added", "Added"

    call_log = models.ForeignKey(CallLog, on_delete=models.CASCADE, related_name="passage_edits")
    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="passage_edits"
    )
    # The passage's key in the version; for an added passage, the key of the passage
    # it follows ("" when it opens the text).
    passage_key = models.CharField(max_length=16, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    original_text = models.TextField(blank=True)
    edited_text = models.TextField(blank=True)
    suggestion = models.ForeignKey(
        "Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="edits"
    )

    class Meta:
        ordering = ["call_log", "pk"]
        indexes = [models.Index(fields=["version", "passage_key"], name="edit_passage_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ¶{self.passage_key} in {self.call_log}"


class VersionStats(models.Model):
    """Per-version figures the engine keeps exact: uses, reactions, outcomes, objections."""

    version = models.OneToOneField(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="stats"
    )
    uses = models.PositiveIntegerField(default=0)
    edited_uses = models.PositiveIntegerField(default=0)
    reaction_1 = models.PositiveIntegerField(default=0)
    reaction_2 = models.PositiveIntegerField(default=0)
    reaction_3 = models.PositiveIntegerField(default=0)
    reaction_4 = models.PositiveIntegerField(default=0)
    reaction_5 = models.PositiveIntegerField(default=0)
    outcomes = models.JSONField(default=dict, blank=True)
    objections = models.JSONField(default=dict, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "version stats"

    def __str__(self):
        return f"Figures for {self.version_id}"

    @property
    def reactions(self) -> list[int]:
        return [self.reaction_1, self.reaction_2, self.reaction_3, self.reaction_4, self.reaction_5]

    @property
    def positive_share(self) -> float | None:
        return (self.reaction_4 + self.reaction_5) / self.uses if self.uses else None


class SuggestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Suggestion.Status.OPEN)

    def ranked(self):
        return self.order_by("-score", "-rep_count", "-updated_at")


class Suggestion(models.Model):
    """Similar edits of one passage of one version, grouped, with the evidence behind them."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        STALE = "stale", "Stale (passage gone)"

    message = models.ForeignKey(
        "messaging.Message", on_delete=models.CASCADE, related_name="suggestions"
    )
    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="suggestions"
    )
    passage_key = models.CharField(max_length=16)
    kind = models.CharField(max_length=10, choices=PassageEdit.Kind.choices)
    original_text = models.TextField(blank=True)
    proposed_text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Evidence, recomputed by the engine (feedback.services.suggestion_refresh).
    call_count = models.PositiveIntegerField(default=0)
    rep_count = models.PositiveIntegerField(default=0)
    with_positive = models.FloatField(null=True, blank=True)
    without_positive = models.FloatField(null=True, blank=True)
    with_wins = models.FloatField(null=True, blank=True)
    without_wins = models.FloatField(null=True, blank=True)
    without_count = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decided_suggestions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    accepted_into = models.ForeignKey(
        "messaging.MessageVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_suggestions",
    )
    shipped_at = models.DateTimeField(null=True, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "-updated_at"]
        indexes = [
            models.Index(fields=["status", "-score"], name="suggestion_rank_idx"),
            models.Index(fields=["message", "status"], name="suggestion_message_idx"),
            models.Index(fields=["version", "passage_key"], name="suggestion_passage_idx"),
        ]

    def __str__(self):
        return f"Suggestion on {self.version} ¶{self.passage_key}"


class SuggestionComment(models.Model):
    """The thread where marketers and the contributing salespeople talk about a suggestion."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suggestion_comments"
    )
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author} on {self.suggestion_id}"


class DigestDelivery(models.Model):
    """One marketer's daily digest, recorded so that a re-run of the beat task sends none twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_day")
        ]

    def __str__(self):
        return f"Digest for {self.recipient} on {self.day}"
