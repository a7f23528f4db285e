"""Sales capacity: how many new leads a team can take, and the backlog of hand-offs past it.

A team's capacity is two numbers on the team (blank: no limit) and the SLA in force:

- **open leads per rep** × active salespeople = how many open leads the team can work;
- **new leads per day**: how many new leads the team can first-touch within the SLA in
  a working day. This week it can take that × 5 working days. At any moment the leads
  waiting for their first touch may not exceed what the team reaches within the SLA's
  first-touch window (new leads per day × the window in days, at least one day): a lead
  handed beyond that would breach before anyone could call it.

`room_now` is the smallest of: today's new leads left, this week's left, the open-lead
room and the SLA window's room. A hand-off past it is not refused and not forced on sales:
it waits in the team's backlog (a Handoff in status QUEUED), oldest first, and
`backlog_release` hands it on as room frees: on the beat (leads.tasks) and after a lead
of the team is closed or disqualified (enqueued after commit through the outbox). A new
hand-off never jumps the backlog: while one waits, new ones queue behind it.

Marketing sees the backlog and, when it grew on each of the last three days, the signal
to slow the campaigns; sales sees marketing's promised volume against what arrived.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from ..models import Handoff, Lead, Team, TeamMembership

WORKING_DAYS = 5
# The backlog "keeps growing" when it grew on each of this many days in a row.
GROWING_DAYS = 3


def _day_start(now):
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


def _week_start(now):
    start = _day_start(now)
    return start - timedelta(days=timezone.localtime(now).weekday())


@dataclass
class TeamCapacity:
    team: Team
    reps: int
    open_leads: int
    untouched: int
    open_limit: int | None
    per_day: int | None
    week_capacity: int | None
    arrived_today: int
    arrived_week: int
    sla_window_leads: int | None
    backlog: int

    @property
    def limited(self) -> bool:
        return self.open_limit is not None or self.per_day is not None

    @property
    def room_now(self) -> int | None:
        """How many more leads the team can take right now; None: no limit."""
        rooms = []
        if self.open_limit is not None:
            rooms.append(self.open_limit - self.open_leads)
        if self.per_day is not None:
            rooms.append(self.per_day - self.arrived_today)
            rooms.append(self.week_capacity - self.arrived_week)
            rooms.append(self.sla_window_leads - self.untouched)
        return max(0, min(rooms)) if rooms else None

    @property
    def week_room(self) -> int | None:
        if self.week_capacity is None:
            return None
        return max(0, self.week_capacity - self.arrived_week)


def team_capacity(team: Team, *, terms, now=None) -> TeamCapacity:
    """The team's capacity figures now (four queries)."""
    now = now or timezone.now()
    member_ids = list(
        TeamMembership.objects.filter(team=team, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    counts = Lead.objects.open().aggregate(
        open=Count("pk", filter=Q(owner_id__in=member_ids)),
        untouched=Count("pk", filter=Q(owner_id__in=member_ids, first_touch_at__isnull=True)),
    )
    # Team offers nobody took yet are the team's open, untouched leads too.
    handoffs = Handoff.objects.filter(team=team).aggregate(
        offers=Count("pk", filter=Q(status=Handoff.Status.PENDING, to_user__isnull=True)),
        backlog=Count("pk", filter=Q(status=Handoff.Status.QUEUED)),
    )
    offers, backlog = handoffs["offers"], handoffs["backlog"]
    day, week = _day_start(now), _week_start(now)
    arrived = Lead.objects.filter(handed_off_at__gte=week, handoffs__team=team).aggregate(
        week=Count("pk", distinct=True),
        today=Count("pk", distinct=True, filter=Q(handed_off_at__gte=day)),
    )
    per_day = team.new_leads_per_day
    window_days = max(1.0, terms.hours_to_first_touch / 24)
    return TeamCapacity(
        team=team,
        reps=len(member_ids),
        open_leads=counts["open"] + offers,
        untouched=counts["untouched"] + offers,
        open_limit=(
            team.open_leads_per_rep * len(member_ids)
            if team.open_leads_per_rep is not None
            else None
        ),
        per_day=per_day,
        week_capacity=per_day * WORKING_DAYS if per_day is not None else None,
        arrived_today=arrived["today"],
        arrived_week=arrived["week"],
        sla_window_leads=int(per_day * window_days) if per_day is not None else None,
        backlog=backlog,
    )


def backlog_sizes(*, team=None, now=None, days: int = GROWING_DAYS) -> list[int]:
    """The backlog's size at the end of each of the last `days` days and now, oldest
    first, in one query: a hand-off was in the backlog at t when it was queued by t and
    not released (or withdrawn) by t."""
    now = now or timezone.now()
    moments = [now - timedelta(days=back) for back in range(days, -1, -1)]
    # Only hand-offs still queued or released after the first moment can count at any
    # moment; naming both bounds of the release time lets the planner use its index
    # without statistics (tests/smarketing/test_query_plans.py).
    rows = Handoff.objects.filter(queued_at__isnull=False).filter(
        Q(status=Handoff.Status.QUEUED)
        | Q(handed_off_at__range=(moments[0], now + timedelta(days=1)))
    )
    if team is not None:
        rows = rows.filter(team=team)
    aggregates = {
        f"at{i}": Count(
            "pk",
            filter=Q(queued_at__lte=moment)
            & (Q(status=Handoff.Status.QUEUED) | Q(handed_off_at__gt=moment)),
        )
        for i, moment in enumerate(moments)
    }
    result = rows.aggregate(**aggregates)
    return [result[f"at{i}"] for i in range(len(moments))]


def backlog_keeps_growing(sizes: list[int]) -> bool:
    """ "Slow the campaigns": the backlog grew on each of the days measured."""
    return len(sizes) > 1 and all(b > a for a, b in zip(sizes, sizes[1:], strict=False))
