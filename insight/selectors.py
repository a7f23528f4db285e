"""Reads of the insight pages: each page is a fixed number of queries.

Attribution reads only the rollup tables (VersionAttribution, VersionReach) and the
feedback engine's VersionStats, never call logs, so its cost follows the number of
versions, not of calls.

Loop health reads Lead, its first attempt after handoff, SlaBreach and Suggestion with grouped
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
from django.db.models import (
    Count,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncWeek
from django.utils import timezone

from feedback.models import Suggestion
from leads.models import Lead
from messaging.models import MessageVersion

from . import figures
from .filters import AttributionFilter, DisqualificationFilter, LoopHealthFilter, ScorecardFilter
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
    """The loop's figures for leads handed off in the period (and the other filters),
    with the definitions of insight.figures (docs/figures.md), so that the within-SLA
    share and the breach count are about the same leads and cannot contradict each other.

    Follow-up rate: of the due leads (deadline passed, or touched), the share first
    touched by the deadline with no counted breach. Leads still inside their window are
    left out: they have not had their chance yet. Time to first touch: handoff to the
    first attempt at or after it (a recycled lead's earlier touch does not count for its
    new handoff). Breaches: the counted breaches of these leads' current handoffs.
    """
    now = now or timezone.now()
    filterset = LoopHealthFilter(filters, queryset=Lead.objects.filter(handed_off_at__isnull=False))
    health = LoopHealth(filterset=filterset)
    if not filterset.is_valid():
        return health
    start, end = filterset.period
    data = filterset.form.cleaned_data
    leads = filterset.qs.filter(handed_off_at__gte=start, handed_off_at__lt=end).order_by()
    cohort = figures.with_first_touch(leads).annotate(breached=figures.has_counted_breach())

    within = figures.is_within_sla()
    due = figures.is_due(now)
    touched = Q(first_touch__isnull=False)
    summary = cohort.aggregate(
        handed_off=Count("pk"),
        due=Count("pk", filter=due),
        within=Count("pk", filter=within),
        touched=Count("pk", filter=touched),
        disqualified=Count("pk", filter=figures.DISQUALIFIED),
    )
    health.handed_off = summary["handed_off"]
    health.due = summary["due"]
    health.within_sla = summary["within"]
    health.touched = summary["touched"]
    health.disqualified = summary["disqualified"]
    health.median_first_touch = _median_of_sorted(
        cohort.filter(touched), F("time_to_first_touch"), health.touched
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
    dropped = leads.filter(figures.DISQUALIFIED)
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

    breaches = figures.counted_breaches().filter(lead__in=leads.values("pk")).order_by()
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


# --- Scorecards -----------------------------------------------------------------------


@dataclass
class Scorecard:
    """One lead list's (or one source's) figures; definitions in docs/figures.md."""

    key: object
    name: str
    leads: int = 0
    contacted: int = 0
    touched: int = 0
    median_first_touch: timedelta | None = None
    disqualified: int = 0
    # (reason id, reason name, leads) for the disqualified leads, most first.
    reasons: list[tuple[int | None, str, int]] = field(default_factory=list)
    opportunities: int = 0
    won_revenue: Decimal = ZERO

    @property
    def contact_rate(self) -> float | None:
        return self.contacted / self.leads if self.leads else None

    @property
    def disqualification_rate(self) -> float | None:
        return self.disqualified / self.leads if self.leads else None

    @property
    def conversion(self) -> float | None:
        return self.opportunities / self.leads if self.leads else None

    @property
    def revenue_per_lead(self) -> Decimal | None:
        return self.won_revenue / self.leads if self.leads else None


@dataclass
class Scorecards:
    filterset: ScorecardFilter
    by: str = "list"
    currency: str = "EUR"
    order: str = "-revenue_per_lead"
    rows: list[Scorecard] = field(default_factory=list)


SCORECARD_GROUP = {"list": "lead_list", "source": "source"}


def scorecards(*, user, filters) -> Scorecards:
    """Per lead list or per source: leads, contact rate, median time to first touch,
    disqualification (overall and by reason), conversion and won revenue, ranked.

    Three queries whatever the number of leads: the grouped counts and sums, the middle
    one or two first-touch times of each group (a window over the touched leads), and the
    disqualified leads counted by group and reason. Every group comes back (not one page)
    because a page can be sorted by any column, the median included, and there are as
    many groups as import batches or sources, not leads; the view paginates the rows.
    Leads are those the person may see (Lead.objects.for_user), so a manager's cards
    agree with the disqualification drill-down they link to.
    """
    filterset = ScorecardFilter(filters, queryset=Lead.objects.for_user(user))
    report = Scorecards(filterset=filterset)
    if not filterset.is_valid():
        return report
    data = filterset.form.cleaned_data
    report.by, report.currency, report.order = data["by"], data["currency"], data["o"]
    key = SCORECARD_GROUP[report.by]
    cohort = filterset.qs.order_by()
    names = ("lead_list__name",) if report.by == "list" else ()
    cards = {}
    grouped = cohort.values(key, *names).annotate(
        n=Count("pk"),
        contacted=Count("pk", filter=Q(figures.was_contacted())),
        disqualified=Count("pk", filter=figures.DISQUALIFIED),
        opportunities=Count("pk", filter=figures.HAS_OPPORTUNITY),
        won_revenue=Sum(
            "opportunity__amount", filter=figures.WON & Q(opportunity__currency=report.currency)
        ),
    )
    for row in grouped:
        group = row[key]
        if report.by == "list":
            name = row["lead_list__name"] if group is not None else "(no list)"
        else:
            name = group or "(no source)"
        cards[group] = Scorecard(
            key=group,
            name=name,
            leads=row["n"],
            contacted=row["contacted"],
            disqualified=row["disqualified"],
            opportunities=row["opportunities"],
            won_revenue=row["won_revenue"] or ZERO,
        )
    if cards:
        _scorecard_medians(cohort, key, cards)
        reasons = (
            cohort.filter(figures.DISQUALIFIED)
            .values(key, "disqualification_reason_id", "disqualification_reason__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "disqualification_reason__name")
        )
        for row in reasons:
            cards[row[key]].reasons.append(
                (
                    row["disqualification_reason_id"],
                    row["disqualification_reason__name"] or "(no reason)",
                    row["n"],
                )
            )
    report.rows = _sorted_cards(list(cards.values()), report.order)
    return report


def _scorecard_medians(cohort, key, cards) -> None:
    """Exact median time to first touch per group in one query: number the touched leads
    of each group by their time (a window), keep the middle one or two of each."""
    touched = figures.with_first_touch(cohort.filter(handed_off_at__isnull=False)).filter(
        first_touch__isnull=False
    )
    ranked = touched.annotate(
        _group=F(key),
        _rank=Window(RowNumber(), partition_by=[F(key)], order_by=F("time_to_first_touch").asc()),
        _touched=Window(Count("pk"), partition_by=[F(key)]),
    )
    middle = ranked.filter(
        Q(_rank=(F("_touched") + 1) / 2) | Q(_rank=F("_touched") / 2 + 1)
    ).values_list("_group", "time_to_first_touch", "_touched")
    spans: dict = {}
    for group, span, touched_count in middle:
        cards[group].touched = touched_count
        spans.setdefault(group, []).append(span)
    for group, values in spans.items():
        cards[group].median_first_touch = sum(values, timedelta()) / len(values)


def _sorted_cards(cards: list[Scorecard], order: str) -> list[Scorecard]:
    """By `order` (a column, "-" for high first), ties by name; a figure that cannot be
    computed (no touched lead has no median) goes last either way."""
    name = order.lstrip("-")
    descending = order.startswith("-")
    cards.sort(key=lambda card: card.name.lower())
    if name == "name":
        return cards[::-1] if descending else cards
    known = [card for card in cards if getattr(card, name) is not None]
    unknown = [card for card in cards if getattr(card, name) is None]
    known.sort(key=lambda card: getattr(card, name), reverse=descending)
    return known + unknown


# --- Disqualification drill-down ------------------------------------------------------


@dataclass
class Disqualifications:
    filterset: DisqualificationFilter
    leads: object = None
    # (reason id, reason name, leads) under every filter but the reason, most first.
    counts: list[tuple[int | None, str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n for _pk, _name, n in self.counts)


def disqualifications(*, user, filters) -> Disqualifications:
    """The disqualified leads the person may see, with the rep's reason and note, newest
    first, and the count per reason for the same filters except the reason itself (so
    each count can be a link that narrows the list to that reason).

    The list is a queryset (reason, owner and list joined), so a page of it is one query
    plus the paginator's count; the counts are one grouped query.
    """
    visible = Lead.objects.for_user(user).filter(figures.DISQUALIFIED)
    filterset = DisqualificationFilter(filters, queryset=visible)
    report = Disqualifications(filterset=filterset)
    if not filterset.is_valid():
        return report
    report.leads = filterset.qs.select_related(
        "disqualification_reason", "owner", "lead_list"
    ).order_by("-disqualified_at", "-pk")
    unreasoned = filterset.data.copy()
    unreasoned.pop("reason", None)
    siblings = DisqualificationFilter(unreasoned, queryset=visible)
    siblings.is_valid()
    report.counts = [
        (row["disqualification_reason_id"], row["disqualification_reason__name"] or "(no reason)",
         row["n"])
        for row in siblings.qs.order_by()
        .values("disqualification_reason_id", "disqualification_reason__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "disqualification_reason__name")
    ]  # fmt: skip
    return report
