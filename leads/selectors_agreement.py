"""Reads for the agreement, capacity and growth-target pages."""

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

import django_filters
from django.db.models import Count, Q, Sum
from django.utils import timezone

from smarketing.forms import FastSelect

from . import services
from .agreement_terms import TERM_LABELS, describe
from .models import AgreementVersion, GrowthTarget, Handoff, Lead, Opportunity, Team
from .policies import AgreementPolicy


@dataclass
class AgreementPage:
    in_force: AgreementVersion | None
    terms: list = field(default_factory=list)
    pending: AgreementVersion | None = None
    redline: list = field(default_factory=list)
    policy: AgreementPolicy | None = None
    history: list = field(default_factory=list)


def _terms_rows(version) -> list[tuple[str, str]]:
    _, terms = services.terms_in_force(version)
    return [(TERM_LABELS[name], describe(value)) for name, value in terms.to_json().items()]


def agreement_page(*, user) -> AgreementPage:
    """The version in force with its terms, the change waiting for signatures with its
    redline and what this user may do with it, and every version (four queries)."""
    history = list(
        AgreementVersion.objects.select_related(
            "proposed_by", "marketing_signed_by", "sales_signed_by"
        ).order_by("-number")
    )
    signed = [v for v in history if v.in_force_from is not None]
    in_force = max(signed, key=lambda v: (v.in_force_from, v.number), default=None)
    pending = next((v for v in history if v.is_pending), None)
    page = AgreementPage(in_force=in_force, terms=_terms_rows(in_force), history=history)
    for version in history:
        version.is_in_force = in_force is not None and version.pk == in_force.pk
    if pending is not None:
        from .agreement_terms import redline

        page.pending = pending
        page.redline = redline(in_force.parsed if in_force else None, pending.parsed)
        page.policy = AgreementPolicy(user, pending)
    return page


# --- capacity ------------------------------------------------------------------------


class BacklogFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), empty_label="Every team", widget=FastSelect
    )

    class Meta:
        model = Handoff
        fields = ["team"]


@dataclass
class CapacityPage:
    filterset: BacklogFilter
    teams: list = field(default_factory=list)
    backlog: list = field(default_factory=list)
    backlog_total: int = 0
    sizes: list = field(default_factory=list)
    slow_down: bool = False
    promised: int = 0
    arrived_month: int = 0
    bad_data_percent: float | None = None
    max_bad_data_percent: int = 0
    version: AgreementVersion | None = None


BACKLOG_SHOWN = 100


def _month_start(now):
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date().replace(day=1), time.min))


def capacity_page(*, filters, now=None) -> CapacityPage:
    """Each team's room this week, the backlog oldest first (the first BACKLOG_SHOWN),
    whether it keeps growing, and marketing's promised volume against what arrived this
    month. Four queries per team (teams are few), and a fixed number besides."""
    now = now or timezone.now()
    version, terms = services.terms_in_force()
    queued = Handoff.objects.filter(status=Handoff.Status.QUEUED)
    filterset = BacklogFilter(filters, queryset=queued)
    page = CapacityPage(filterset=filterset, version=version)
    teams = list(Team.objects.order_by("name"))
    page.teams = [services.team_capacity(team, terms=terms, now=now) for team in teams]
    rows = filterset.qs if filterset.is_valid() else queued
    rows = rows.select_related("lead__account", "team", "to_user", "from_user", "play")
    page.backlog_total = rows.count()
    page.backlog = list(rows.order_by("queued_at", "pk")[:BACKLOG_SHOWN])
    team = filterset.form.cleaned_data.get("team") if filterset.is_valid() else None
    page.sizes = services.backlog_sizes(team=team, now=now)
    page.slow_down = services.backlog_keeps_growing(page.sizes)
    month = _month_start(now)
    # Both bounds (no hand-off is in the future): the index serves it without statistics.
    arrived = Lead.objects.filter(handed_off_at__gte=month, handed_off_at__lte=now).aggregate(
        n=Count("pk"),
        bad=Count(
            "pk",
            filter=Q(
                status=Lead.Status.DISQUALIFIED,
                disqualification_reason__name="Bad contact data",
            ),
        ),
    )
    page.promised = terms.leads_per_month
    page.max_bad_data_percent = terms.max_bad_data_percent
    page.arrived_month = arrived["n"]
    if arrived["n"]:
        page.bad_data_percent = round(100 * arrived["bad"] / arrived["n"], 1)
    return page


# --- the growth target ---------------------------------------------------------------


@dataclass
class TargetProgress:
    target: GrowthTarget
    pipeline: Decimal
    revenue: Decimal

    @property
    def pipeline_share(self) -> float | None:
        t = self.target.pipeline_target
        return float(self.pipeline / t) if t else None

    @property
    def revenue_share(self) -> float | None:
        t = self.target.revenue_target
        return float(self.revenue / t) if t else None


def target_current(now=None) -> GrowthTarget | None:
    today = timezone.localdate(now)
    return GrowthTarget.objects.filter(starts_on__lte=today, ends_on__gte=today).first()


def target_period(target: GrowthTarget):
    """The target's period as aware datetimes: [start, end) in the site's time zone."""
    from datetime import timedelta

    start = timezone.make_aware(datetime.combine(target.starts_on, time.min))
    end = timezone.make_aware(datetime.combine(target.ends_on + timedelta(days=1), time.min))
    return start, end


def target_progress(target: GrowthTarget) -> TargetProgress:
    """Pipeline: the amounts of opportunities created in the period, in the target's
    currency; revenue: those won and closed in the period (one query)."""
    start, end = target_period(target)
    sums = Opportunity.objects.filter(currency=target.currency).aggregate(
        pipeline=Sum("amount", filter=Q(created_at__gte=start, created_at__lt=end)),
        revenue=Sum(
            "amount",
            filter=Q(stage=Opportunity.Stage.WON, closed_at__gte=start, closed_at__lt=end),
        ),
    )
    return TargetProgress(
        target=target,
        pipeline=sums["pipeline"] or Decimal(0),
        revenue=sums["revenue"] or Decimal(0),
    )
