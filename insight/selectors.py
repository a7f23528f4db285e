"""Reads of the insight pages: each page is a fixed number of queries.

Attribution reads only the rollup tables (VersionAttribution, VersionReach) and the
feedback engine's VersionStats, never call logs, so its cost follows the number of
versions, not of calls.

Loop health reads Lead's denormalized columns, SlaBreach and Suggestion with grouped
aggregates. The indexes it leans on: `insight_lead_handoff_idx` (Lead.handed_off_at,
added by insight's migration 0002 because this is the page that filters on it),
`lead_source_idx` for the source list, SlaBreach's `breach_team_idx` /
`breach_rep_idx`, and suggestion status indexes. Medians are exact: a count, then the
middle one or two rows of the sorted set (LIMIT 2 OFFSET n/2), which every database
does without shipping rows to Python.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from feedback.models import Suggestion
from leads.models import Lead, SlaBreach
from messaging.models import MessageVersion

from .filters import AttributionFilter, LoopHealthFilter
from .models import AttributionModel, VersionAttribution
from .stats import Comparison

ZERO = Decimal("0")


# --- Attribution ------------------------------------------------------------------------


@dataclass
class VersionFigures:
    version: MessageVersion
    calls: int = 0
    reactions: list[int] = field(default_factory=lambda: [0] * 5)
    leads: int = 0
    opportunities: Decimal = ZERO
    closed: Decimal = ZERO
    wins: Decimal = ZERO
    pipeline: Decimal = ZERO
    won_revenue: Decimal = ZERO
    # Money in the currencies not shown, so the page can say it exists.
    other_currencies: list[str] = field(default_factory=list)
    predecessor: MessageVersion | None = None
    positive_lift: Comparison | None = None
    win_lift: Comparison | None = None
    # Model-free whole counts behind the win-rate comparison.
    deals_closed: int = 0
    deals_won: int = 0

    @property
    def label(self) -> str:
        return f"{self.version.message.title} v{self.version.number}"

    @property
    def positive(self) -> int:
        return self.reactions[3] + self.reactions[4]

    @property
    def positive_share(self) -> float | None:
        return self.positive / self.calls if self.calls else None

    @property
    def win_rate(self) -> float | None:
        return float(self.wins / self.closed) if self.closed else None

    @property
    def lifts(self) -> list[tuple[str, Comparison]]:
        return [("Positive reactions", self.positive_lift), ("Win rate", self.win_lift)]


@dataclass
class AttributionReport:
    filterset: AttributionFilter
    model: str = AttributionModel.LINEAR
    currency: str = "EUR"
    rows: list[VersionFigures] = field(default_factory=list)
    page_obj: object = None

    @property
    def model_label(self) -> str:
        return AttributionModel(self.model).label

    @property
    def comparisons(self) -> list[VersionFigures]:
        return [row for row in self.rows if row.predecessor is not None]


def _predecessor(version, by_number, by_pk):
    """based_on when it is a published version of the same message, else number - 1."""
    if version.based_on_id and version.based_on_id in by_pk:
        candidate = by_pk[version.based_on_id]
        if candidate.message_id == version.message_id and candidate.pk != version.pk:
            return candidate
    return by_number.get((version.message_id, version.number - 1))


PAGE_SIZE = 20


def attribution_report(*, filters, page=None) -> AttributionReport:
    """Per published version: calls, reaction mix, leads touched, credited deals and
    money under the chosen model and currency, and the lift over its predecessor.

    With `page` (the page view), versions are ranked in the database by credited won
    revenue, then pipeline, then calls, and only one page of PAGE_SIZE is computed,
    with the predecessors it is compared with: a company with 10,000 versions would
    otherwise get a table and charts of all of them. Without `page` (the CSV), every
    version with calls or leads. Either way a fixed number of queries: the versions
    (with their VersionStats and VersionReach joined), their predecessors, the chosen
    model's rollup rows, and for a page its count.
    """
    filterset = AttributionFilter(filters, queryset=MessageVersion.objects.published())
    report = AttributionReport(filterset=filterset)
    if not filterset.is_valid():
        return report
    report.model = filterset.form.cleaned_data["model"]
    report.currency = filterset.form.cleaned_data["currency"]
    used = (
        filterset.qs.annotate(
            rank_calls=Coalesce(F("stats__uses"), 0),
            rank_leads=Coalesce(F("insight_reach__leads"), 0),
        )
        .filter(Q(rank_calls__gt=0) | Q(rank_leads__gt=0))
        .select_related("message", "stats", "insight_reach")
    )
    if page is None:
        versions = list(used.order_by("message__title", "message_id", "-number"))
    else:
        rollup = VersionAttribution.objects.filter(
            version=OuterRef("pk"), model=report.model, currency=report.currency
        )
        ranked = used.annotate(
            rank_won=Coalesce(Subquery(rollup.values("won_revenue")[:1]), ZERO),
            rank_pipeline=Coalesce(Subquery(rollup.values("pipeline")[:1]), ZERO),
        ).order_by("-rank_won", "-rank_pipeline", "-rank_calls", "message__title", "-number")
        report.page_obj = Paginator(ranked, PAGE_SIZE).get_page(page)
        versions = list(report.page_obj.object_list)
    shown = {version.pk for version in versions}
    wanted = Q(pk__in={v.based_on_id for v in versions if v.based_on_id} - shown)
    for version in versions:
        wanted |= Q(message_id=version.message_id, number=version.number - 1)
    earlier = [
        version
        for version in MessageVersion.objects.published()
        .filter(wanted)
        .select_related("message", "stats", "insight_reach")
        if version.pk not in shown
    ] if versions else []  # fmt: skip
    everything = versions + earlier
    by_pk = {version.pk: version for version in everything}
    by_number = {(version.message_id, version.number): version for version in everything}
    figures = {version.pk: _version_figures(version) for version in everything}
    rollups = VersionAttribution.objects.filter(
        model=report.model, version_id__in=list(figures)
    ).values_list(
        "version_id", "currency", "opportunities", "closed", "wins", "pipeline", "won_revenue"
    )
    for version_id, currency, opportunities, closed, wins, pipeline, won in rollups:
        row = figures[version_id]
        # Deal counts are currency-free; money is shown for one currency only.
        row.opportunities += opportunities
        row.closed += closed
        row.wins += wins
        if currency == report.currency:
            row.pipeline, row.won_revenue = pipeline, won
        elif pipeline:
            row.other_currencies.append(currency)
    for version in versions:
        row = figures[version.pk]
        previous = _predecessor(version, by_number, by_pk)
        if previous is None:
            continue
        before = figures[previous.pk]
        row.predecessor = previous
        row.positive_lift = Comparison(row.positive, row.calls, before.positive, before.calls)
        row.win_lift = Comparison(
            row.deals_won, row.deals_closed, before.deals_won, before.deals_closed
        )
    report.rows = [figures[version.pk] for version in versions]
    return report


def _version_figures(version) -> VersionFigures:
    row = VersionFigures(version=version)
    stats = getattr(version, "stats", None)
    if stats is not None:
        row.calls, row.reactions = stats.uses, stats.reactions
    reach = getattr(version, "insight_reach", None)
    if reach is not None:
        row.leads, row.deals_closed, row.deals_won = (
            reach.leads,
            reach.deals_closed,
            reach.deals_won,
        )
    return row


# --- Loop health -----------------------------------------------------------------------


@dataclass
class LoopHealth:
    filterset: LoopHealthFilter
    handed_off: int = 0
    due: int = 0
    within_sla: int = 0
    touched: int = 0
    disqualified: int = 0
    median_first_touch: timedelta | None = None
    weekly: list[dict] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    attempts: list[tuple[int, int]] = field(default_factory=list)
    breaches: int = 0
    breaches_by_rep: list[tuple[str, int, int]] = field(default_factory=list)
    breaches_by_team: list[tuple[str, int, int]] = field(default_factory=list)
    suggestions_raised: int = 0
    suggestions_accepted: int = 0
    suggestions_shipped: int = 0
    median_days_to_ship: float | None = None

    @property
    def follow_up_rate(self) -> float | None:
        return self.within_sla / self.due if self.due else None

    @property
    def median_attempts(self) -> float | None:
        return _median_of_counts(self.attempts)


def _median_of_counts(histogram: list[tuple[int, int]]) -> float | None:
    """Median of a value → count histogram (sorted by value)."""
    total = sum(count for _value, count in histogram)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]
    values, seen = [], 0
    for value, count in histogram:
        for index in wanted:
            if seen <= index < seen + count:
                values.append(value)
        seen += count
    return sum(values) / len(values)


def _median_of_sorted(queryset, expression, total: int):
    """Exact median of `expression` over `queryset` (with `total` rows) in one query."""
    if not total:
        return None
    rows = list(
        queryset.annotate(_value=expression)
        .order_by("_value")
        .values_list("_value", flat=True)[(total - 1) // 2 : total // 2 + 1]
    )
    if not rows:
        return None
    return sum(rows, timedelta()) / len(rows)


def _person(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username or "(nobody)"


def _every_week(since, until, rows: dict) -> list[dict]:
    """One row per week (Monday) from since to until, zeros where nothing happened, so
    the chart's time axis has no holes."""
    week = since - timedelta(days=since.weekday())
    weeks = []
    while week <= until:
        row = rows.get(week, {})
        weeks.append({
            "week": week,
            "handed_off": row.get("handed_off", 0),
            "due": row.get("due", 0),
            "within": row.get("within", 0),
        })  # fmt: skip
        week += timedelta(days=7)
    return weeks


def loop_health(*, filters, now=None) -> LoopHealth:
    """The loop's figures for leads handed off in the period (and the other filters).

    Follow-up rate: of the handed-off leads whose first-touch deadline has passed or
    that were touched already, the share touched by the deadline. Leads still inside
    their window are left out: they have not had their chance yet. Time to first
    touch: handoff to first attempt, for leads touched after their handoff (a recycled
    lead's earlier touch does not count for its new handoff).
    """
    now = now or timezone.now()
    filterset = LoopHealthFilter(filters, queryset=Lead.objects.filter(handed_off_at__isnull=False))
    health = LoopHealth(filterset=filterset)
    if not filterset.is_valid():
        return health
    start, end = filterset.period
    data = filterset.form.cleaned_data
    cohort = filterset.qs.filter(handed_off_at__gte=start, handed_off_at__lt=end).order_by()

    within = Q(first_touch_at__isnull=False, first_touch_at__lte=F("first_touch_due_at"))
    due = Q(first_touch_at__isnull=False) | Q(first_touch_due_at__lt=now)
    touched_after_handoff = Q(first_touch_at__gte=F("handed_off_at"))
    summary = cohort.aggregate(
        handed_off=Count("pk"),
        due=Count("pk", filter=due),
        within=Count("pk", filter=within),
        touched=Count("pk", filter=touched_after_handoff),
        disqualified=Count("pk", filter=Q(status=Lead.Status.DISQUALIFIED)),
    )
    health.handed_off = summary["handed_off"]
    health.due = summary["due"]
    health.within_sla = summary["within"]
    health.touched = summary["touched"]
    health.disqualified = summary["disqualified"]
    health.median_first_touch = _median_of_sorted(
        cohort.filter(touched_after_handoff),
        ExpressionWrapper(F("first_touch_at") - F("handed_off_at"), output_field=DurationField()),
        health.touched,
    )
    weekly = {
        timezone.localtime(row["week"]).date()
        if timezone.is_aware(row["week"])
        else row["week"].date(): row
        for row in cohort.annotate(week=TruncWeek("handed_off_at"))
        .values("week")
        .annotate(
            handed_off=Count("pk"), due=Count("pk", filter=due), within=Count("pk", filter=within)
        )
    }
    health.weekly = _every_week(data["since"], data["until"], weekly)
    dropped = cohort.filter(status=Lead.Status.DISQUALIFIED)
    health.reasons = [
        (row["disqualification_reason__name"] or "(no reason)", row["n"])
        for row in dropped.values("disqualification_reason__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "disqualification_reason__name")
    ]
    health.attempts = list(
        dropped.values("attempt_count").annotate(n=Count("pk")).order_by("attempt_count")
        .values_list("attempt_count", "n")
    )  # fmt: skip

    breaches = SlaBreach.objects.filter(due_at__gte=start, due_at__lt=end).order_by()
    for name in ("persona", "source", "lead_list"):
        if data.get(name):
            breaches = breaches.filter(**{f"lead__{name}": data[name]})
    if data.get("team"):
        breaches = breaches.filter(team=data["team"])
    still_open = Count("pk", filter=Q(resolved_at__isnull=True))
    health.breaches_by_rep = [
        (_person(row["salesperson__first_name"] or "", row["salesperson__last_name"] or "",
                 row["salesperson__username"] or ""), row["n"], row["open"])
        for row in breaches.values(
            "salesperson_id", "salesperson__first_name", "salesperson__last_name",
            "salesperson__username",
        ).annotate(n=Count("pk"), open=still_open).order_by("-n", "salesperson__username")
    ]  # fmt: skip
    health.breaches_by_team = [
        (row["team__name"] or "(no team)", row["n"], row["open"])
        for row in breaches.values("team_id", "team__name")
        .annotate(n=Count("pk"), open=still_open)
        .order_by("-n", "team__name")
    ]
    health.breaches = sum(n for _name, n, _open in health.breaches_by_team)

    counts = Suggestion.objects.order_by().aggregate(
        raised=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        accepted=Count(
            "pk",
            filter=Q(accepted_into__isnull=False, decided_at__gte=start, decided_at__lt=end),
        ),
        shipped=Count("pk", filter=Q(shipped_at__gte=start, shipped_at__lt=end)),
    )
    health.suggestions_raised = counts["raised"]
    health.suggestions_accepted = counts["accepted"]
    health.suggestions_shipped = counts["shipped"]
    # Shipped suggestions are few (each one is a marketer's decision), so their
    # first-call times come back in one grouped query and the median is taken here.
    spans = sorted(
        (shipped_at - first_call).total_seconds() / 86400
        for shipped_at, first_call in Suggestion.objects.filter(
            shipped_at__gte=start, shipped_at__lt=end
        )
        .annotate(first_call=Min("edits__call_log__occurred_at"))
        .filter(first_call__isnull=False)
        .values_list("shipped_at", "first_call")
    )
    if spans:
        middle = len(spans) // 2
        health.median_days_to_ship = (
            spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2
        )
    return health
