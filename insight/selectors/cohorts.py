"""Scorecards: how each lead list or source converts."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    Q,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from leads.models import Lead

from .. import figures
from ..filters import ScorecardFilter

ZERO = Decimal("0")

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
