"""Aggregates behind the insight pages, kept current by insight.services.

Attribution is read from two levels so that pages never touch call logs:

- LeadAttribution: one row per (lead, version used in the lead's calls), with the
  credit each attribution model gives that version and a copy of the lead's deal
  (amount, currency, stage). Rebuilt for one lead whenever one of its calls is counted
  or its opportunity changes.
- VersionAttribution (per version, model and currency) and VersionReach (per version,
  model-free counts): the rollups the attribution page reads, recomputed for the
  versions a lead rebuild touched.

Loop health reads one narrow row per handed-off lead (HandoffFact): the two figures of
the lead's current handoff that need other tables (its first touch, from the attempts;
whether it has a counted breach, from the SLA breaches), so that the page aggregates
leads joined to these rows instead of running two correlated subqueries per lead. The
rest (deadline, status, reason, attempt count, the filters) is read from the lead
itself, where the services keep it. Suggestions are counted from feedback's rows.
"""

from django.db import models


class AttributionModel(models.TextChoices):
    FIRST = "first", "First touch"
    LAST = "last", "Last touch"
    LINEAR = "linear", "Linear"


class LeadAttribution(models.Model):
    """The credit one version earns for one lead's deal, under each model.

    Only calls made up to the opportunity's close count (all calls while it is open
    or when the lead has none). `is_first`/`is_last`: the version of the earliest /
    latest such call (ties broken by the call's id). `linear_weight` is 1/n for each of
    the n distinct versions used. The deal's figures are copied here so that a rollup
    is a single grouped aggregate over this table.
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="+"
    )
    calls = models.PositiveIntegerField(default=0)
    is_first = models.BooleanField(default=False)
    is_last = models.BooleanField(default=False)
    linear_weight = models.DecimalField(max_digits=7, decimal_places=6)
    has_opportunity = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # amount × linear_weight, rounded to the cent here so that sums stay exact decimals.
    linear_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "version"], name="attribution_lead_version")
        ]
        indexes = [models.Index(fields=["version", "currency"], name="attribution_version_idx")]

    def __str__(self):
        return f"{self.version_id} on lead {self.lead_id}"


class VersionAttribution(models.Model):
    """A version's credited deals under one model, in one currency.

    Amounts are never added across currencies: one row per currency. Counts are
    credited counts: whole numbers for first and last touch, sums of 1/n shares for
    linear (so a version that shared three deals with one other version has 1.5).
    """

    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="+"
    )
    model = models.CharField(max_length=6, choices=AttributionModel.choices)
    currency = models.CharField(max_length=3)
    opportunities = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    closed = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    wins = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    pipeline = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    won_revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The unique index (version, model, currency) serves every read: one version's
        # row under a model and currency (the attribution page's ranking), and a page of
        # versions' rows under a model. There is deliberately no (model, currency) index:
        # without fresh statistics PostgreSQL estimated one row for "model = 'linear' AND
        # currency = 'EUR'" (two low-cardinality columns) and probed that index, reading
        # thousands of rows, once per version (the attribution page: 9.8 s, issue 19).
        constraints = [
            models.UniqueConstraint(
                fields=["version", "model", "currency"], name="version_attribution_unique"
            )
        ]

    def __str__(self):
        return f"{self.version_id} {self.model} {self.currency}"


class VersionReach(models.Model):
    """Model-free counts for one version: leads whose calls used it, and of their
    deals how many were created, closed and won (each lead counted once, whatever the
    model). These whole counts are the samples the lift comparison tests."""

    version = models.OneToOneField(
        "messaging.MessageVersion",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="insight_reach",
    )
    leads = models.PositiveIntegerField(default=0)
    opportunities = models.PositiveIntegerField(default=0)
    deals_closed = models.PositiveIntegerField(default=0)
    deals_won = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "version reach"

    def __str__(self):
        return f"Reach of {self.version_id}"


class VersionRank(models.Model):
    """A used published version's place on the attribution page under one model and
    currency: the figures the page sorts by (credited won revenue, then pipeline, then
    calls), copied from VersionAttribution and VersionStats so that a page of the
    ranking is one index range read instead of ranking every version at request time.

    Rebuilt, never incremented, by insight.services.version_ranks_refresh wherever
    VersionAttribution and VersionReach are (a lead's rebuild, the nightly full rebuild)
    and when a version is published. There is a row for every currency, zeros included,
    so a version used in calls is ranked (last) in a currency it has no deals in, as the
    request-time ranking did (insight.selectors.attribution.request_time_ranking).
    """

    version = models.ForeignKey(
        "messaging.MessageVersion", on_delete=models.CASCADE, related_name="+"
    )
    # Copied (a version never changes message) for the page's message filter.
    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=6, choices=AttributionModel.choices)
    currency = models.CharField(max_length=3)
    won_revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    pipeline = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    calls = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "model", "currency"], name="version_rank_unique"
            )
        ]
        # Page order: a page is a range of the first index (the message filter: the
        # second). The title and number break ties after these.
        indexes = [
            models.Index(
                "model",
                "currency",
                models.F("won_revenue").desc(),
                models.F("pipeline").desc(),
                models.F("calls").desc(),
                name="version_rank_page_idx",
            ),
            models.Index(
                "message",
                "model",
                "currency",
                models.F("won_revenue").desc(),
                name="version_rank_message_idx",
            ),
        ]

    def __str__(self):
        return f"{self.version_id} {self.model} {self.currency}: {self.won_revenue}"


class HandoffFact(models.Model):
    """A lead's current handoff as loop health counts it (docs/figures.md): its first
    touch (insight.figures rule 2: the earliest attempt at or after the handoff) and
    whether it has a counted SLA breach (rule 4), for the handoff at `handed_off_at`.

    Rebuilt, never incremented, by insight.services.handoff_facts_rebuild in the
    transaction of every write that changes them: an attempt logged (which also resolves
    the open breaches), a breach recorded by the scan, a handoff or a release from the
    backlog; the nightly insight rebuild recomputes every row. A row describes only the
    handoff at its `handed_off_at`: the page joins it on the lead's current handoff time,
    so a row left from an earlier handoff (or no row) reads as "not touched, no breach",
    which is what a handoff that no attempt or breach has rebuilt yet is. What depends
    on the clock (due: the deadline has passed) is decided at request time from the
    lead's deadline.
    """

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="handoff_fact"
    )
    handed_off_at = models.DateTimeField()
    first_touch = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The page's period, read alongside the leads' own handoff index.
            models.Index(fields=["handed_off_at"], name="handoff_fact_handed_idx"),
            # The freshness line: the newest rebuild is the index's last entry.
            models.Index(fields=["updated_at"], name="handoff_fact_updated_idx"),
        ]

    def __str__(self):
        return f"Handoff of lead {self.lead_id} at {self.handed_off_at:%Y-%m-%d %H:%M}"
