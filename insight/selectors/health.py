"""Loop health: how fast leads are touched after handoff, SLA breaches, suggestion flow.

`loop_health` is the page: the period's handed-off leads joined to their HandoffFact
rows (insight.models; first touch and counted breach kept by insight.services), so each
figure is a grouped aggregate over narrow rows with plain indexed filters.
`request_time_loop_health` is the computation it replaced (two correlated subqueries
per lead), kept so the tests can show that both give exactly the same figures.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Min,
    Q,
    Value,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from feedback.models import Suggestion
from leads.models import Lead, Team

from .. import figures
from ..filters import LoopHealthFilter
from ..models import HandoffFact

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
    # (agreement version number, breaches judged by it), newest version first: a figure
    # says which signed agreement's first-touch time it was judged by.
    breaches_by_agreement: list[tuple[int | None, int]] = field(default_factory=list)
    suggestions_raised: int = 0
    suggestions_accepted: int = 0
    suggestions_shipped: int = 0
    median_days_to_ship: float | None = None
    # When the handoff facts were last rebuilt (every attempt, breach and handoff
    # rebuilds its lead's row in its own transaction); None when there are none.
    as_of: object = None

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


def request_time_loop_health(*, filters, now=None) -> LoopHealth:
    """The figures of `loop_health` computed from the source rows at request time, with
    two correlated subqueries per lead (first touch, counted breach): what the page did
    before the HandoffFact rollup, kept as the reference the rollup is tested against.
    The figures and their definitions are loop_health's (its docstring)."""
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
    health.breaches_by_agreement = list(
        breaches.values("agreement__number").annotate(n=Count("pk"))
        .order_by(F("agreement__number").desc(nulls_last=True))
        .values_list("agreement__number", "n")
    )  # fmt: skip

    _suggestion_flow(health, start, end)
    return health


def _suggestion_flow(health: LoopHealth, start, end) -> None:
    """Suggestions raised, accepted and shipped in the period (each by its own event),
    and the median days from a shipped suggestion's first call to its going live."""
    # Each count's rows are among the suggestions with one of the three events in the
    # period: reading only those (an index per event, insight 0006) gives the same counts.
    in_period = (
        Q(created_at__gte=start, created_at__lt=end)
        | Q(decided_at__gte=start, decided_at__lt=end)
        | Q(shipped_at__gte=start, shipped_at__lt=end)
    )
    counts = (
        Suggestion.objects.filter(in_period)
        .order_by()
        .aggregate(
            raised=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
            accepted=Count(
                "pk",
                filter=Q(accepted_into__isnull=False, decided_at__gte=start, decided_at__lt=end),
            ),
            shipped=Count("pk", filter=Q(shipped_at__gte=start, shipped_at__lt=end)),
        )
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


def loop_health(*, filters, now=None) -> LoopHealth:
    """The loop's figures for leads handed off in the period (and the other filters),
    with the definitions of insight.figures (docs/figures.md), so that the within-SLA
    share and the breach count are about the same leads and cannot contradict each other.

    Follow-up rate: of the due leads (deadline passed, or touched), the share first
    touched by the deadline with no counted breach. Leads still inside their window are
    left out: they have not had their chance yet. Time to first touch: handoff to the
    first attempt at or after it (a recycled lead's earlier touch does not count for its
    new handoff). Breaches: the counted breaches of these leads' current handoffs.

    The first touch and the counted breach of each lead's handoff come from its
    HandoffFact row, joined on the lead's current handoff time (no row, or a row of an
    earlier handoff: not touched, no breach; see HandoffFact); whether a lead is due is
    decided here, against `now`. Eight queries whatever the data: the weekly counts
    (the totals are their sums), the median, the disqualified leads per reason and
    attempt count, the breaches per salesperson, team and agreement, the teams' order,
    the two of the suggestions, and the rollup's freshness.
    """
    now = now or timezone.now()
    filterset = LoopHealthFilter(filters, queryset=Lead.objects.filter(handed_off_at__isnull=False))
    health = LoopHealth(filterset=filterset)
    if not filterset.is_valid():
        return health
    start, end = filterset.period
    data = filterset.form.cleaned_data
    leads = filterset.qs.filter(handed_off_at__gte=start, handed_off_at__lt=end).order_by()
    cohort = leads.annotate(
        fact=FilteredRelation(
            "handoff_fact",
            # The same period on the fact's copy of the handoff time (equal to the
            # lead's by the join) lets the planner read both sides by range.
            condition=Q(
                handoff_fact__handed_off_at=F("handed_off_at"),
                handoff_fact__handed_off_at__gte=start,
                handoff_fact__handed_off_at__lt=end,
            ),
        )
    ).annotate(
        first_touch=F("fact__first_touch"),
        breached=Coalesce(F("fact__breached"), Value(False), output_field=BooleanField()),
    )

    within = figures.is_within_sla()
    due = figures.is_due(now)
    touched = Q(first_touch__isnull=False)
    weekly = {}
    for row in (
        cohort.annotate(week=TruncWeek("handed_off_at"))
        .values("week")
        .annotate(
            handed_off=Count("pk"),
            due=Count("pk", filter=due),
            within=Count("pk", filter=within),
            touched=Count("pk", filter=touched),
            disqualified=Count("pk", filter=figures.DISQUALIFIED),
        )
    ):
        week = row["week"]
        weekly[timezone.localtime(week).date() if timezone.is_aware(week) else week.date()] = row
        health.handed_off += row["handed_off"]
        health.due += row["due"]
        health.within_sla += row["within"]
        health.touched += row["touched"]
        health.disqualified += row["disqualified"]
    health.weekly = _every_week(data["since"], data["until"], weekly)
    health.median_first_touch = _median_of_sorted(
        cohort.filter(touched),
        ExpressionWrapper(F("first_touch") - F("handed_off_at"), output_field=DurationField()),
        health.touched,
    )
    _disqualified(health, leads.filter(figures.DISQUALIFIED))
    _breaches(health, figures.counted_breaches().filter(lead__in=leads.values("pk")).order_by())
    _suggestion_flow(health, start, end)
    health.as_of = HandoffFact.objects.aggregate(as_of=Max("updated_at"))["as_of"]
    return health


def _disqualified(health: LoopHealth, dropped) -> None:
    """Reasons and attempts of the disqualified leads, from one grouped query. The rows
    come in reason-name order, so the stable sort by count below breaks ties by name
    in the database's own order, as ordering by (-n, name) in SQL did."""
    reasons: dict = {}
    attempts: dict[int, int] = {}
    for name, attempt_count, n in (
        dropped.values("disqualification_reason__name", "attempt_count")
        .annotate(n=Count("pk"))
        .order_by("disqualification_reason__name", "attempt_count")
        .values_list("disqualification_reason__name", "attempt_count", "n")
    ):
        reasons[name] = reasons.get(name, 0) + n
        attempts[attempt_count] = attempts.get(attempt_count, 0) + n
    health.reasons = [
        (name or "(no reason)", n) for name, n in sorted(reasons.items(), key=lambda item: -item[1])
    ]
    health.attempts = sorted(attempts.items())


def _breaches(health: LoopHealth, breaches) -> None:
    """The counted breaches per salesperson, per team and per agreement version, from one
    grouped query in username order (so that the stable sorts by count below keep it for
    ties, as ordering by (-n, username) in SQL did). Teams are ranked for ties by the
    teams' names in the database's own collation (a query of the few teams), with "no
    team" where the database puts NULL, so no name is ever compared in Python."""
    still_open = Count("pk", filter=Q(resolved_at__isnull=True))
    per_rep: dict = {}
    per_team: dict = {}
    per_agreement: dict = {}
    for row in (
        breaches.values(
            "salesperson_id", "salesperson__first_name", "salesperson__last_name",
            "salesperson__username", "team_id", "team__name", "agreement__number",
        ).annotate(n=Count("pk"), open=still_open)
        .order_by("salesperson__username", "salesperson_id")
    ):  # fmt: skip
        name = _person(
            row["salesperson__first_name"] or "",
            row["salesperson__last_name"] or "",
            row["salesperson__username"] or "",
        )
        _name, n, still = per_rep.get(row["salesperson_id"], (name, 0, 0))
        per_rep[row["salesperson_id"]] = (name, n + row["n"], still + row["open"])
        team = row["team_id"]
        label, n, still = per_team.get(team, (row["team__name"] or "(no team)", 0, 0))
        per_team[team] = (label, n + row["n"], still + row["open"])
        number = row["agreement__number"]
        per_agreement[number] = per_agreement.get(number, 0) + row["n"]
    health.breaches_by_rep = sorted(per_rep.values(), key=lambda rep: -rep[1])
    order = {pk: rank for rank, pk in enumerate(_team_order())}
    order[None] = len(order) if connection.features.nulls_order_largest else -1
    ranked = sorted(per_team.items(), key=lambda item: (-item[1][1], order[item[0]]))
    health.breaches_by_team = [counts for _team, counts in ranked]
    health.breaches_by_agreement = sorted(
        per_agreement.items(), key=lambda item: (item[0] is None, -(item[0] or 0))
    )
    health.breaches = sum(n for _name, n, _open in health.breaches_by_team)


def _team_order() -> list[int]:
    """Every team's id in name order, as the database sorts names (teams are few)."""
    return list(Team.objects.order_by("name", "pk").values_list("pk", flat=True))
