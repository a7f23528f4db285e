"""Attribution: which message versions sales used on the way to revenue (rollup tables only)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce

from messaging.models import MessageVersion

from ..filters import AttributionFilter
from ..models import AttributionModel, VersionAttribution, VersionRank
from ..stats import Comparison

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
    # When the ranking rows on this page were last recomputed (the page's freshness).
    as_of: object = None
    # A message was asked for (by title words or id): an empty page means "no match",
    # not "nothing used yet".
    narrowed: bool = False

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
# The page's order: credited won revenue, pipeline, calls, then title and number (and
# the version's id, so that full ties keep one order across pages).
RANK_ORDER = (
    "-won_revenue",
    "-pipeline",
    "-calls",
    "version__message__title",
    "-version__number",
    "version_id",
)


# What a page row shows of a version, its message and its rollups: a version's texts and
# the rollups' outcome and objection mixes (JSON) are not read for 40 versions a page.
VERSION_COLUMNS = (
    "message_id", "number", "status", "based_on_id", "message__title",
    "stats__uses", "stats__reaction_1", "stats__reaction_2", "stats__reaction_3",
    "stats__reaction_4", "stats__reaction_5",
    "insight_reach__leads", "insight_reach__deals_closed", "insight_reach__deals_won",
)  # fmt: skip
RANK_COLUMNS = ("version_id", "updated_at")


def request_time_ranking(*, model: str, currency: str, message=None):
    """The attribution ranking computed from the rollups at request time: every used
    published version, ordered as on the page. What the page did before VersionRank;
    kept as the definition the VersionRank rollup is tested against."""
    used = MessageVersion.objects.published().annotate(
        rank_calls=Coalesce(F("stats__uses"), 0),
        rank_leads=Coalesce(F("insight_reach__leads"), 0),
    )
    if message is not None:
        used = used.filter(message=message)
    rollup = VersionAttribution.objects.filter(
        version=OuterRef("pk"), model=model, currency=currency
    )
    return (
        used.filter(Q(rank_calls__gt=0) | Q(rank_leads__gt=0))
        .annotate(
            rank_won=Coalesce(Subquery(rollup.values("won_revenue")[:1]), ZERO),
            rank_pipeline=Coalesce(Subquery(rollup.values("pipeline")[:1]), ZERO),
        )
        .order_by("-rank_won", "-rank_pipeline", "-rank_calls", "message__title", "-number", "pk")
    )


def attribution_report(*, filters, page=None) -> AttributionReport:
    """Per published version: calls, reaction mix, leads touched, credited deals and
    money under the chosen model and currency, and the lift over its predecessor.

    With `page` (the page view), versions come in the order of the VersionRank rollup
    (credited won revenue, then pipeline, then calls: request_time_ranking's order, kept
    current by insight.services), and only one page of PAGE_SIZE is computed,
    with the predecessors it is compared with: a company with 10,000 versions would
    otherwise get a table and charts of all of them. Without `page` (the CSV), every
    version with calls or leads. Either way a fixed number of queries: the versions
    (a page: their rank rows, with the version, VersionStats and VersionReach joined),
    their predecessors, the chosen
    model's rollup rows, and for a page its count.
    """
    filterset = AttributionFilter(filters, queryset=MessageVersion.objects.published())
    report = AttributionReport(filterset=filterset)
    if not filterset.is_valid():
        return report
    report.model = filterset.form.cleaned_data["model"]
    report.currency = filterset.form.cleaned_data["currency"]
    report.narrowed = bool(
        filterset.form.cleaned_data.get("message") is not None
        or filterset.form.cleaned_data.get("title")
    )
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
        # The ranking is read from its rollup (VersionRank, in page order): one index
        # range instead of ranking every published version at request time.
        ranks = VersionRank.objects.filter(model=report.model, currency=report.currency)
        # A message asked for (by id or title words) narrows the rank rows to the
        # filterset's versions; without one the page stays an index range read.
        if report.narrowed:
            ranks = ranks.filter(version__in=filterset.qs.values("pk"))
        ranks = (
            ranks.select_related("version__message", "version__stats", "version__insight_reach")
            .only(*RANK_COLUMNS, *(f"version__{name}" for name in VERSION_COLUMNS))
            .order_by(*RANK_ORDER)
        )
        report.page_obj = Paginator(ranks, PAGE_SIZE).get_page(page)
        on_page = list(report.page_obj.object_list)
        versions = [rank.version for rank in on_page]
        report.as_of = max((rank.updated_at for rank in on_page), default=None)
    shown = {version.pk for version in versions}
    wanted = Q(pk__in={v.based_on_id for v in versions if v.based_on_id} - shown)
    for version in versions:
        wanted |= Q(message_id=version.message_id, number=version.number - 1)
    earlier = [
        version
        for version in MessageVersion.objects.published()
        .filter(wanted)
        .select_related("message", "stats", "insight_reach")
        .only(*VERSION_COLUMNS)
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
