"""Leads: where a marketing lead must not disappear on its way to sales.

Who may do what is leads.policies, the writes that follow the rules are leads.services;
this module holds fields and constraints, and leads.querysets the chainable querysets
(`Lead.objects.for_user(user).overdue()`, `Team.objects.managed_by(user)`).
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from messaging.models import Stage

from .models_agreement import AgreementVersion, GrowthTarget
from .querysets import OPEN_STATUSES, LeadQuerySet, TeamQuerySet

__all__ = ["AgreementVersion", "GrowthTarget"]  # re-exported: leads.models is where to look


class Team(models.Model):
    """A sales team: salespeople who share a manager and a round-robin pool."""

    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
        help_text="The sales manager who leads this team.",
    )
    # Capacity (leads.services.capacity): blank is no limit, so hand-offs never wait.
    open_leads_per_rep = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many open leads one salesperson of this team can work at once.",
    )
    new_leads_per_day = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many new leads the team can first-touch within the SLA each working day.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    """A salesperson's seat on a team; a salesperson belongs to one team at a time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_membership"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    open_lead_cap = models.PositiveIntegerField(
        default=50,
        help_text="Round-robin assignment skips this salesperson above this many open leads.",
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.team}"


class Account(models.Model):
    """A company that leads work for. Imports match accounts by normalized name."""

    class Size(models.TextChoices):
        UNKNOWN = "", "Unknown"
        SMALL = "1-49", "1–49"
        MEDIUM = "50-249", "50–249"
        LARGE = "250-999", "250–999"
        ENTERPRISE = "1000+", "1000+"

    name = models.CharField(max_length=200)
    # Lowercased, whitespace-collapsed name: the key imports de-duplicate accounts on.
    normalized_name = models.CharField(max_length=200, unique=True, editable=False)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=10, choices=Size.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["domain"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = self.normalize(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def normalize(name: str) -> str:
        return " ".join(name.split()).lower()


class LeadList(models.Model):
    """One import batch (a vendor's CSV, a trade-show list): where a lead came from.

    Carries the uploaded file (under MEDIA_ROOT, so a worker can load it by id), what
    the analysis found (encoding, separator, header, rows), the column mapping the
    marketer confirmed, and the running counts that the progress bar polls.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for column mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    source = models.CharField(
        max_length=100, help_text="Lead source for rows whose file has no source column."
    )
    persona = models.ForeignKey(
        "messaging.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="lead_imports/%Y/%m/", blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    header = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(
        default=dict, blank=True, help_text="Lead field name → column index in the file."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_lists",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running import's task stamps this with every batch it commits: a "running"
    # import whose stamp is old lost its worker (leads.services.imports).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resume_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"])]

    def __str__(self):
        return self.name

    @property
    def percent_done(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportRejection(models.Model):
    """A row of an import that did not become a lead, with its line number and why."""

    class Kind(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate"
        INVALID = "invalid", "Rejected"

    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="rejections")
    line_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True)
    raw = models.TextField(blank=True, help_text="The row as it was in the file.")

    class Meta:
        ordering = ["lead_list", "line_number"]
        indexes = [models.Index(fields=["lead_list", "line_number"])]

    def __str__(self):
        return f"line {self.line_number}: {self.reason}"


class SlaPolicy(models.Model):
    """The follow-up rule as it was before the agreement: a global row (blank source) and
    rows per lead source. Migration 0007 made agreement version 1 from these rows; since
    then the SLA in force is the signed agreement's (leads.services.agreement), and
    these rows are kept, read-only, as the record of what version 1 came from.
    """

    source = models.CharField(
        max_length=100,
        blank=True,
        unique=True,
        help_text="Blank for the global policy; a lead source to override it for that source.",
    )
    hours_to_first_touch = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1)]
    )
    min_attempts_before_disqualify = models.PositiveIntegerField(default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self):
        scope = self.source or "global"
        return (
            f"SLA ({scope}): first touch within {self.hours_to_first_touch} h, "
            f"{self.min_attempts_before_disqualify} attempts before disqualifying"
        )


class DisqualificationReason(models.Model):
    """Why sales let a lead go; reported back to marketing by source, list and persona."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Play(models.Model):
    """What a salesperson is handed with a lead: ordered steps, each with a message."""

    name = models.CharField(max_length=150)
    persona = models.ForeignKey(
        "messaging.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="plays"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.CONSIDERATION)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social"


class PlayStep(models.Model):
    """Day N of a play: which channel and which message. The message's live version is
    looked up when the step is shown, so a play never points at a stale version."""

    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    day_offset = models.PositiveIntegerField(default=0, help_text="Days after the handoff.")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.CALL)
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instruction = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["play", "position", "day_offset"]
        constraints = [
            models.UniqueConstraint(fields=["play", "position"], name="play_step_position_unique")
        ]

    def __str__(self):
        return f"{self.play}: day {self.day_offset} {self.get_channel_display()}"


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        MQL = "mql", "MQL"
        ACCEPTED = "accepted", "Accepted"
        OPPORTUNITY = "opportunity", "Opportunity"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        DISQUALIFIED = "disqualified", "Disqualified"
        RECYCLED = "recycled", "Recycled"

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Stored lowercased; unique so that imports and manual entry cannot duplicate a person.
    email = models.EmailField(max_length=254, unique=True)
    phone = models.CharField(max_length=50, blank=True)
    title = models.CharField("job title", max_length=200, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    persona = models.ForeignKey(
        "messaging.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source = models.CharField(max_length=100, blank=True)
    lead_list = models.ForeignKey(
        LeadList, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    play = models.ForeignKey(
        Play, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    qualified_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    # Denormalized by the services so that queues sort and filter with an index:
    first_touch_due_at = models.DateTimeField(null=True, blank=True)
    next_step_due_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    disqualification_reason = models.ForeignKey(
        DisqualificationReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    # Notes are read on pages listing many leads: one 2 MB note made a 2 MB page.
    NOTE_MAX = 2000
    disqualification_note = models.TextField(
        blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX)]
    )
    disqualified_at = models.DateTimeField(null=True, blank=True)
    # The agreement version whose minimum attempts and reasons the disqualification met.
    disqualified_under = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["status", "-created_at"], name="lead_status_idx"),
            # Source alone, source and status (the lead list's count and page with both
            # filters read only this index), newest first within them.
            models.Index(
                fields=["source", "status", "-created_at", "-id"], name="lead_source_status_idx"
            ),
            models.Index(fields=["owner", "status"], name="lead_owner_status_idx"),
            models.Index(fields=["status", "first_touch_due_at"], name="lead_due_idx"),
            models.Index(fields=["owner", "next_step_due_at"], name="lead_next_step_idx"),
            models.Index(fields=["disqualified_at"], name="lead_disqualified_idx"),
            models.Index(fields=["last_name", "first_name"], name="lead_name_idx"),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def disqualification_is_history(self) -> bool:
        """A disqualification kept from an earlier cycle: the lead was recycled since
        (and maybe handed off again), so it is not the lead's state any more."""
        recycled = self.status != self.Status.DISQUALIFIED
        return self.disqualification_reason_id is not None and recycled

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.is_open
            and self.first_touch_at is None
            and self.first_touch_due_at
            and self.first_touch_due_at < now
        )


class Handoff(models.Model):
    """Marketing passing a lead to sales, with a play. Addressed to a named salesperson,
    or offered to a whole team, where the first salesperson to accept it takes it."""

    class Status(models.TextChoices):
        # Past the team's capacity: waits in the backlog, oldest first, until released.
        QUEUED = "queued", "Waiting for sales capacity"
        PENDING = "pending", "Waiting for acceptance"
        ACCEPTED = "accepted", "Accepted"
        SUPERSEDED = "superseded", "Superseded"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="handoffs")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handoffs_received",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs"
    )
    play = models.ForeignKey(Play, null=True, blank=True, on_delete=models.SET_NULL)
    NOTE_MAX = 1000
    note = models.TextField(
        blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    handed_off_at = models.DateTimeField(default=timezone.now)
    # When it went into the backlog; handed_off_at is when the backlog released it, to
    # the named salesperson, the team's next in turn (round_robin) or the whole team.
    queued_at = models.DateTimeField(null=True, blank=True)
    round_robin = models.BooleanField(default=False)
    # The agreement version whose qualification the lead was checked against, and an
    # override of that check by a role the agreement names, with the reason.
    agreement = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.CharField(max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The play recommended when it was handed off (leads.services.recommend): with
    # `play`, whether the marketer took it, so the recommendation can be judged later.
    recommended_play = models.ForeignKey(
        Play, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-handed_off_at", "-pk"]
        indexes = [
            models.Index(fields=["lead", "status"], name="handoff_lead_status_idx"),
            models.Index(fields=["team", "status"], name="handoff_team_status_idx"),
            models.Index(fields=["status", "queued_at"], name="handoff_backlog_idx"),
            # The capacity page's backlog history reads hand-offs released in a window.
            models.Index(fields=["handed_off_at"], name="handoff_handed_off_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status="pending"), name="one_pending_handoff_per_lead"
            ),
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status="queued"), name="one_queued_handoff_per_lead"
            ),
        ]

    def __str__(self):
        target = self.to_user or self.team
        return f"{self.lead} → {target}"


class Attempt(models.Model):
    """One try to reach a lead (a touch)."""

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Voicemail"
        CONNECTED = "connected", "Connected"
        REPLIED = "replied", "Replied"
        MEETING_BOOKED = "meeting_booked", "Meeting booked"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="attempts")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    NOTE_MAX = 2000
    note = models.TextField(
        blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX)]
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # When it was logged, which may be later than when it happened (see is_backdated).
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The play step this attempt fulfilled, if any (leads.services.work picks it): the
    # play panel shows which attempt did each step, and the next step is the first one
    # no attempt fulfilled.
    play_step = models.ForeignKey(
        PlayStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["lead", "-occurred_at"], name="attempt_lead_idx"),
            models.Index(fields=["salesperson", "-occurred_at"], name="attempt_rep_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.lead}: {self.get_outcome_display()}"

    @property
    def is_backdated(self) -> bool:
        """Logged more than BACKDATED_AFTER after it happened: allowed (people log calls
        after the fact), but shown as "logged later" so the timeline does not pretend."""
        return bool(self.created_at and self.created_at - self.occurred_at > BACKDATED_AFTER)


# A touch logged more than this long after it happened is shown as "logged later".
BACKDATED_AFTER = timedelta(minutes=15)


class Opportunity(models.Model):
    """A lead that became a deal. Won revenue is what attribution reports."""

    class Stage(models.TextChoices):
        DISCOVERY = "discovery", "Discovery"
        PROPOSAL = "proposal", "Proposal"
        NEGOTIATION = "negotiation", "Negotiation"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class Currency(models.TextChoices):
        EUR = "EUR", "EUR"
        USD = "USD", "USD"
        GBP = "GBP", "GBP"

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="opportunity")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities"
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.DISCOVERY)
    expected_close = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "opportunities"
        indexes = [models.Index(fields=["stage", "-closed_at"], name="opportunity_stage_idx")]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.stage in (self.Stage.WON, self.Stage.LOST)


class SlaBreach(models.Model):
    """A lead whose first touch came too late. One row per lead, owner and deadline is
    what makes the breach scan idempotent: a breach is recorded (and notified) once."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sla_breaches",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="sla_breaches"
    )
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    # Set once the salesperson and manager were told (in the app and by email): the scan
    # retries a breach whose notification failed and never notifies one twice.
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The agreement version whose first-touch time set the deadline.
    agreement = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches"
    )

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "due_at"], name="one_breach_per_deadline")
        ]
        indexes = [
            models.Index(fields=["team", "-due_at"], name="breach_team_idx"),
            models.Index(fields=["salesperson", "-due_at"], name="breach_rep_idx"),
        ]

    def __str__(self):
        return f"SLA breach: {self.lead} (due {self.due_at:%Y-%m-%d %H:%M})"

    @property
    def hours_late(self) -> float:
        end = self.resolved_at or timezone.now()
        return max(0.0, (end - self.due_at) / timedelta(hours=1))
