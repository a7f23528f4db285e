from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from leads.models import BACKDATED_AFTER, Lead
from leads.policies import customer_data_q


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
        salesperson theirs), and the calls they logged themselves; of those, only the
        calls their team logged (leads.policies.customer_data_q: a lead offered to
        another team does not show the earlier team's calls)."""
        on_visible_leads = Q(lead__in=Lead.objects.for_user(user)) & customer_data_q(user)
        return self.filter(on_visible_leads | Q(salesperson=user))


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
    # Empty for a general call where no message was used ("No message / general
    # call"): it counts as an attempt on the lead and feeds no figures or suggestions.
    version = models.ForeignKey(
        "messaging.MessageVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_logs",
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
            # The calls of a period across every version (the objection gaps' 90 days).
            models.Index(fields=["occurred_at"], name="calllog_occurred_idx"),
            # The quotes on a version's passages, newest first (the message page's notes,
            # feedback.annotations.passage_quotes): only calls with a quote are indexed,
            # so the page reads those, not every call of the version (the most used
            # version has 125,000 calls on the scale set: 95 ms read for its quotes).
            models.Index(
                fields=["version", "quote_passage_key", "-occurred_at", "-id"],
                name="calllog_quote_idx",
                condition=~Q(quote="") & ~Q(quote_passage_key=""),
            ),
        ]

    def __str__(self):
        return f"Call with {self.lead} on {self.occurred_at:%Y-%m-%d}"

    @property
    def is_backdated(self) -> bool:
        """Logged well after it happened (see leads.models.Attempt.is_backdated)."""
        return bool(self.created_at and self.created_at - self.occurred_at > BACKDATED_AFTER)

    @property
    def is_positive(self) -> bool:
        return self.reaction >= self.Reaction.POSITIVE


class ChangeKind(models.TextChoices):
    """The kinds of change a salesperson makes to a version (feedback.changes)."""

    REPLACE = "replace", "Replaced words"
    REWRITE = "rewrite", "Rewrote the paragraph"
    REMOVE = "remove", "Left the paragraph out"
    INSERT = "insert", "Added a paragraph"


class PassageEdit(models.Model):
    """One change a call's wording made to the version used (feedback.changes.Change):
    a span of one passage replaced, a passage rewritten or left out, or a paragraph
    added after one.

    Spans are token offsets (messaging.passages.tokens) on the version's passage, so a
    suggestion can be applied back to exactly those words. Rows written before changes
    were stored span by span (kinds changed/removed/added) were migrated as whole-
    passage rewrites, removes and inserts (migration 0004).
    """

    Kind = ChangeKind

    call_log = models.ForeignKey(CallLog, on_delete=models.CASCADE, related_name="passage_edits")
    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="passage_edits"
    )
    # The passage's key in the version; "" for an insert (see after_key).
    passage_key = models.CharField(max_length=16, blank=True)
    # Insert: the key of the version passage the new paragraph follows ("" at the start).
    after_key = models.CharField(max_length=16, blank=True)
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    # The first sentence of the passage the span touches (0-based), for "the second
    # sentence of paragraph 2"; None for whole-passage changes.
    sentence = models.PositiveSmallIntegerField(null=True, blank=True)
    # The version's text of the span, and what the salesperson said in its place.
    original_text = models.TextField(blank=True)
    edited_text = models.TextField(blank=True)
    suggestion = models.ForeignKey(
        "Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="edits"
    )
    variant = models.ForeignKey(
        "SuggestionVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="edits",
    )

    class Meta:
        ordering = ["call_log", "pk"]
        indexes = [models.Index(fields=["version", "passage_key"], name="edit_passage_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ¶{self.passage_key or self.after_key} in {self.call_log}"


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
    """One change that salespeople made to a version, grouped from their calls
    (feedback.grouping): the same span of a passage reworded in similar words, a
    passage rewritten or left out, or a paragraph added after one; with its variants
    (SuggestionVariant) and the evidence behind it."""

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
    passage_key = models.CharField(max_length=16, blank=True)  # "" for an insert
    after_key = models.CharField(max_length=16, blank=True)  # insert: the passage it follows
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    # The union of its edits' spans (token offsets on base_text, the version passage).
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    sentence = models.PositiveSmallIntegerField(null=True, blank=True)
    base_text = models.TextField(blank=True)
    original_text = models.TextField(blank=True)  # the version's text of the span
    # The best variant's wording over the span (kept by the engine, for lists and mail).
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
    # The card's quotes, a rollup (feedback.quotes): the ids of the newest quoted calls
    # among its edits, newest first, rebuilt whenever its edits or their calls change.
    quote_call_ids = models.JSONField(default=list, blank=True)
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
    accepted_variant = models.ForeignKey(
        "SuggestionVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_text = models.TextField(blank=True)  # the wording that went into the draft
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
        return f"Suggestion on {self.version} ¶{self.passage_key or self.after_key}"


class SuggestionCount(models.Model):
    """How many suggestions have each status: a rollup the inbox's pagination reads
    instead of counting the suggestions at request time (issue 19).

    Rebuilt whole (one grouped count, never added to) by
    feedback.services.suggestion_counts_refresh, through the outbox after every commit
    that creates, removes or decides a suggestion, and hourly; `updated_at` is when."""

    status = models.CharField(max_length=10, choices=Suggestion.Status.choices, unique=True)
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self):
        return f"{self.count} {self.status} suggestions"


class SuggestionVariant(models.Model):
    """One wording of a suggestion: near-identical wordings of the same change (a typo,
    a plural apart: feedback.grouping rule 6), with the evidence of their calls.

    The span is the representative edit's own (it may be narrower than the
    suggestion's), so accepting the variant replaces exactly the words it replaced.
    """

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="variants")
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    original_text = models.TextField(blank=True)
    wording = models.TextField(blank=True)
    call_count = models.PositiveIntegerField(default=0)
    rep_count = models.PositiveIntegerField(default=0)
    with_positive = models.FloatField(null=True, blank=True)
    without_positive = models.FloatField(null=True, blank=True)
    with_wins = models.FloatField(null=True, blank=True)
    without_wins = models.FloatField(null=True, blank=True)
    without_count = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Ranked by evidence: distinct salespeople, then calls (feedback.grouping).
        ordering = ["-rep_count", "-call_count", "pk"]

    def __str__(self):
        return f"Variant of suggestion {self.suggestion_id}"


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


class PassageDrift(models.Model):
    """A passage of a version that sales changes in more than DRIFT_SHARE of its calls:
    the field has stopped saying it as written, so the message's owner is asked to look.

    One row per passage per version, kept current by feedback.services.drift_check;
    `reviewed_at` is set when a marketer has looked at it (a flag stays reviewed, the
    figures keep updating).
    """

    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="drifts"
    )
    passage_key = models.CharField(max_length=16)
    share = models.FloatField()
    calls = models.PositiveIntegerField()
    flagged_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_drifts",
    )

    class Meta:
        ordering = ["version", "passage_key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "passage_key"], name="one_drift_per_passage")
        ]

    def __str__(self):
        return f"Drift on {self.version} ¶{self.passage_key}"
