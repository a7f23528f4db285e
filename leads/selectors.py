"""The reads behind the lead pages, each a fixed number of queries however many rows.

FilterSets are applied here; views only paginate and render.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from messaging.freshness import freshness_of
from messaging.selectors import running_experiments
from smarketing import roles

from .filters import DisqualificationReportFilter, LeadFilter, QueueFilter, TeamLeadFilter
from .models import (
    OPEN_STATUSES,
    Attempt,
    DisqualificationReason,
    Handoff,
    Lead,
    Play,
    PlayStep,
    SlaBreach,
    Team,
)
from .policies import customer_data_q
from .selectors_imports import (  # noqa: F401 - the import pages' reads, named here too
    IMPORT_PLAN_MAX_ROWS,
    ImportPlan,
    import_plan,
    import_preview,
    import_rejections,
    lead_lists,
)
from .selectors_plays import (  # noqa: F401 - the play and persona pages' reads
    PersonaOverview,
    persona_overview,
    play_for_edit,
    play_list,
    plays_annotated,
)

User = get_user_model()


def _steps_prefetch():
    return Prefetch(
        "play__steps",
        queryset=PlayStep.objects.select_related("message__live_version").order_by(
            "position", "day_offset"
        ),
    )


def _step_attempts_prefetch():
    """The attempts that completed a play step: the play panel says which did which."""
    return Prefetch(
        "attempts",
        queryset=Attempt.objects.filter(play_step__isnull=False).only(
            "pk", "lead_id", "play_step_id", "channel", "outcome", "occurred_at"
        ),
        to_attr="step_attempts",
    )


def _pending_prefetch():
    return Prefetch(
        "handoffs",
        queryset=Handoff.objects.filter(status=Handoff.Status.PENDING).select_related("team"),
        to_attr="pending_handoffs",
    )


def _by_urgency(queryset, now=None):
    """First touch overdue first (oldest deadline first), then by whatever is due next:
    the first touch for untouched leads, the next play step for the others."""
    now = now or timezone.now()
    return queryset.annotate(
        overdue_rank=Case(
            When(first_touch_at__isnull=True, first_touch_due_at__lt=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        urgent_at=Case(
            When(first_touch_at__isnull=True, then=F("first_touch_due_at")),
            default=F("next_step_due_at"),
        ),
    ).order_by("overdue_rank", F("urgent_at").asc(nulls_last=True), "pk")


# The columns the lead list shows, and those its overdue badge reads: a page is 25 leads
# with their account, persona, list and salesperson, and whole rows (a lead has eleven
# datetimes, a user its password hash) cost a fifth of the page's time to load. A column
# used by the template but missing here would be one query per row: the query budget
# test (tests/smarketing/test_query_budgets.py) catches that.
LEAD_LIST_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "title",
    "source",
    "status",
    "created_at",
    "first_touch_at",
    "first_touch_due_at",
    "account__name",
    "persona__name",
    "lead_list__name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def lead_list(*, user, filters) -> tuple[LeadFilter, object]:
    """Every lead the user may see, filtered; for marketing, managers and admins."""
    queryset = (
        Lead.objects.for_user(user)
        .select_related("account", "owner", "persona", "lead_list")
        .only(*LEAD_LIST_FIELDS)
    )
    filterset = LeadFilter(filters, queryset=queryset)
    return filterset, filterset.qs


def _readable(visible: Q):
    """True on the rows `visible` lets the user read (an empty Q: every row)."""
    if not visible:
        return Value(True, output_field=BooleanField())
    return Case(When(visible, then=True), default=False, output_field=BooleanField())


def lead_detail(*, user, pk: int) -> Lead:
    """One lead with everything its page shows; raises Lead.DoesNotExist if the user may
    not see it (the view turns that into a 404, so ids are not probed)."""
    return (
        Lead.objects.for_user(user)
        .select_related(
            "account",
            "owner",
            "persona",
            "lead_list",
            "play__persona",
            "disqualification_reason",
            "opportunity",
        )
        .prefetch_related(
            _steps_prefetch(),
            _pending_prefetch(),
            # All attempts: the timeline, and the play panel's done steps (leads_decorate);
            # each note only for the team that wrote it (customer_data_q).
            Prefetch(
                "attempts",
                queryset=Attempt.objects.select_related("salesperson").annotate(
                    note_visible=_readable(customer_data_q(user))
                ),
            ),
            Prefetch(
                "handoffs",
                queryset=Handoff.objects.select_related(
                    "from_user", "to_user", "team", "play", "accepted_by"
                ),
                to_attr="all_handoffs",
            ),
            # The conversations logged on this lead (feedback's call logs, newest first),
            # those of the viewer's team only (customer_data_q).
            Prefetch(
                "call_logs",
                queryset=Lead._meta.get_field("call_logs")
                .related_model.objects.filter(customer_data_q(user))
                .select_related("version__message", "salesperson"),
            ),
        )
        .get(pk=pk)
    )


def lead_queue(*, user, filters) -> tuple[QueueFilter, object]:
    """A salesperson's own open leads, most urgent first, with play steps and the live
    version of each step's message."""
    queryset = _by_urgency(
        Lead.objects.owned_by(user)
        .open()
        .select_related("account", "persona", "play")
        .prefetch_related(_steps_prefetch(), _step_attempts_prefetch(), _pending_prefetch())
    )
    filterset = QueueFilter(filters, queryset=queryset)
    return filterset, filterset.qs


def queue_row(*, user, pk: int) -> Lead:
    """One queue row after an htmx action, with the same prefetching as the queue."""
    lead = (
        Lead.objects.owned_by(user)
        .select_related("account", "persona", "play")
        .prefetch_related(_steps_prefetch(), _step_attempts_prefetch(), _pending_prefetch())
        .get(pk=pk)
    )
    leads_decorate([lead])
    return lead


def team_offers(*, user):
    """Handoffs offered to the salesperson's whole team that nobody accepted yet."""
    return Handoff.objects.filter(
        status=Handoff.Status.PENDING,
        to_user__isnull=True,
        team__memberships__user=user,
    ).order_by("handed_off_at", "pk")


@dataclass
class OfferRow:
    """A team offer as the queue lists it."""

    pk: int
    lead: str  # the lead's name, else its email (str(lead))
    account: str
    play: str | None  # None: no play
    from_name: str
    handed_off_at: datetime
    age: str  # timesince(handed_off_at)
    accept_url: str


# The team offers the queue lists before a "show all" link, oldest first.
OFFERS_SHOWN = 20


@dataclass
class TeamOffers:
    rows: list[OfferRow]  # the oldest first, at most the limit asked for
    total: int  # every offer waiting, listed or not


def team_offers_shown(*, user, limit: int | None = OFFERS_SHOWN) -> TeamOffers:
    """The oldest `limit` team offers (None: all of them) and how many there are, in one
    query (the count is a window over the offers, read before the limit). A big team
    has a hundred offers or more: listed whole, with a form and an age each, they were a
    third of the queue's time.

    Offers as plain values: four model rows each (handoff, lead, account, user) cost
    more to load than the queue's own page of leads."""
    accept_url = url_maker("leads:handoff_accept")
    now = timezone.now()
    values = (
        team_offers(user=user)
        .annotate(total=Window(Count("pk")))
        .values_list(
            "pk",
            "lead__first_name",
            "lead__last_name",
            "lead__email",
            "lead__account__name",
            "play_id",
            "play__name",
            "from_user__username",
            "from_user__first_name",
            "from_user__last_name",
            "handed_off_at",
            "total",
        )
    )
    rows = list(values if limit is None else values[:limit])
    total = rows[0][-1] if rows else 0
    return TeamOffers([
        OfferRow(
            pk=pk,
            lead=f"{first} {last}".strip() or email,
            account=account or "",
            play=play_name if play_id else None,
            # get_full_name, else the username; "None" is what the page has always
            # shown for a handoff whose marketer was deleted.
            from_name=f"{from_first or ''} {from_last or ''}".strip() or str(username),
            handed_off_at=handed_off_at,
            # What |timesince printed, at a third less cost than the filter in the loop.
            age=timesince(handed_off_at, now),
            accept_url=accept_url(pk),
        )
        for (pk, first, last, email, account, play_id, play_name, username, from_first,
             from_last, handed_off_at, _total) in rows
    ], total)  # fmt: skip


def team_offer_rows(*, user) -> list[OfferRow]:
    """Every team offer with what the queue shows of it (team_offers_shown)."""
    return team_offers_shown(user=user, limit=None).rows


# Ids in reverse()'s place: digits, so that every <int:...> converter accepts them.
_URL_MARKERS = ("9182736450", "9182736451")


def url_maker(viewname: str, arity: int = 1):
    """A function of `arity` ids returning the URL of `viewname` for them, like reverse()
    but reversing once: a list page builds every row's links from one reverse() per URL
    pattern and formats the ids in (reverse() costs ~30 µs; the 25-row queue made 125 of
    them). Call it once per page, not at import: the script prefix is per request."""
    markers = _URL_MARKERS[:arity]
    pattern = reverse(viewname, args=markers).replace("{", "{{").replace("}", "}}")
    for position, marker in enumerate(markers):
        if pattern.count(marker) != 1:
            raise ValueError(f"{viewname}: cannot place argument {position} in {pattern!r}")
        pattern = pattern.replace(marker, f"{{{position}}}")
    return pattern.format


@dataclass
class StepView:
    step: PlayStep
    due_at: object
    done: bool
    is_next: bool
    version_url: str = ""
    done_by: Attempt | None = None
    # A running experiment on the step's message: the lead's arm is the version to use.
    experiment: object = None
    freshness: object = None  # messaging.freshness.Freshness of the step's message
    lead_id: int = 0

    @property
    def live_version(self):
        """The version this lead is shown: its arm while an experiment runs, else the
        message's live version."""
        if self.step.message is None:
            return None
        if self.experiment is not None:
            return self.experiment.arm_of(self.lead_id)
        return self.step.message.live_version


def leads_decorate(leads, now=None) -> None:
    """Attach what queue rows and the lead page show and cannot be a query per row: the
    play's steps with their due dates, and the row's links (built once per page, see
    url_maker). Needs the prefetches above."""
    now = now or timezone.now()
    detail_url = url_maker("leads:detail")
    attempt_url = url_maker("leads:attempt_log")
    accept_url = url_maker("leads:handoff_accept")
    version_url = url_maker("messaging:version_detail", arity=2)
    call_log_url = reverse("feedback:call_log_create") + "?lead={}"
    # One query each for the whole page: running experiments and freshness of the
    # messages the plays use.
    step_messages = {
        step.message_id: step.message
        for lead in leads
        if lead.play_id
        for step in lead.play.steps.all()
        if step.message_id
    }
    experiments = running_experiments(step_messages) if step_messages else {}
    fresh = freshness_of(step_messages.values(), now=now) if step_messages else {}
    for lead in leads:
        lead.is_late = lead.is_overdue(now)
        lead.pending = (getattr(lead, "pending_handoffs", None) or [None])[0]
        if lead.pending:
            lead.pending.accept_url = accept_url(lead.pending.pk)
        lead.detail_url = detail_url(lead.pk)
        lead.attempt_url = attempt_url(lead.pk)
        lead.call_log_url = call_log_url.format(lead.pk)
        steps = list(lead.play.steps.all()) if lead.play_id else []
        # Which attempt completed each step of this play since the handoff (the rule is
        # leads.services.sla.step_fulfilled_by; the page only reads what it stored).
        done_by = {
            attempt.play_step_id: attempt
            for attempt in _step_attempts_of(lead)
            if attempt.play_step_id
            and lead.handed_off_at
            and attempt.occurred_at >= lead.handed_off_at
        }
        next_id = next((step.pk for step in steps if step.pk not in done_by), None)
        lead.step_views = []
        for step in steps:
            view = StepView(
                step=step,
                due_at=lead.handed_off_at + timedelta(days=step.day_offset)
                if lead.handed_off_at
                else None,
                done=step.pk in done_by,
                is_next=step.pk == next_id,
                done_by=done_by.get(step.pk),
                experiment=experiments.get(step.message_id),
                freshness=fresh.get(step.message_id),
                lead_id=lead.pk,
            )
            if view.live_version:
                view.version_url = version_url(step.message_id, view.live_version.number)
            lead.step_views.append(view)


def _step_attempts_of(lead):
    """The lead's attempts that completed a step, from whichever prefetch the page made
    (the queue's step_attempts, or the lead page's full timeline)."""
    if hasattr(lead, "step_attempts"):
        return lead.step_attempts
    if "attempts" in getattr(lead, "_prefetched_objects_cache", {}):
        return lead.attempts.all()
    return ()


def lead_rows_decorate(leads, now=None) -> None:
    """The lead list's links, built once per page (see url_maker), and the overdue flag
    its status badge reads."""
    now = now or timezone.now()
    detail_url = url_maker("leads:detail")
    list_url = url_maker("leads:import_detail")
    for lead in leads:
        lead.is_late = lead.is_overdue(now)
        lead.detail_url = detail_url(lead.pk)
        lead.list_url = list_url(lead.lead_list_id) if lead.lead_list_id else ""


def managed_teams(user):
    """The teams whose page a person sees: an admin every team, a manager theirs."""
    if roles.ADMIN in roles.roles_of(user):
        return Team.objects.all()
    return Team.objects.managed_by(user)


def leads_chosen(*, ids):
    """The leads ticked on a list, for a bulk action (qualify, hand off)."""
    return Lead.objects.filter(pk__in=ids).select_related("account", "owner", "persona")


def handoffs_offered_to(*, user):
    """Handoffs addressed to this salesperson or offered to their team. A team offer
    stays here after a colleague took it, so the loser is told who did."""
    return Handoff.objects.filter(Q(to_user=user) | Q(team__memberships__user=user)).distinct()


def team_members(*, teams):
    """Salespeople of the teams with their open, overdue and last-7-days attempt counts
    (subqueries, so the counts do not multiply each other)."""
    now = timezone.now()
    open_leads = Lead.objects.filter(owner=OuterRef("pk"), status__in=OPEN_STATUSES)

    def count(queryset):
        return Coalesce(
            Subquery(queryset.order_by().values("owner").annotate(n=Count("pk")).values("n")[:1]),
            0,
        )

    attempts = (
        Attempt.objects.filter(salesperson=OuterRef("pk"), occurred_at__gte=now - timedelta(7))
        .order_by()
        .values("salesperson")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        User.objects.filter(team_membership__team__in=teams)
        .select_related("team_membership__team")
        .annotate(
            open_count=count(open_leads),
            overdue_count=count(
                open_leads.filter(first_touch_at__isnull=True, first_touch_due_at__lt=now)
            ),
            attempts_week=Coalesce(Subquery(attempts), 0),
        )
        .order_by("team_membership__team__name", "first_name", "username")
    )


def team_leads(*, user, teams, filters) -> tuple[TeamLeadFilter, object]:
    """The open leads of the manager's teams, most urgent first."""
    members = User.objects.filter(team_membership__team__in=teams).order_by(
        "first_name", "username"
    )
    queryset = _by_urgency(
        Lead.objects.open().of_teams(teams).select_related("account", "owner", "play")
    )
    filterset = TeamLeadFilter(filters, queryset=queryset, members=members)
    return filterset, filterset.qs


_BREACHES_NEWEST_FIRST = (F("resolved_at").desc(nulls_first=True), "-due_at")


def team_breaches(*, teams, limit: int = 15):
    """The teams' latest `limit` SLA breaches (open ones first), with their leads and
    salespeople, in one query.

    The breaches are chosen first, in a subquery that holds the LIMIT, and only those
    are joined to their leads: the planner then knows it joins at most `limit` rows and
    probes the leads by id. With the join outside the limit, PostgreSQL without
    statistics on the breaches sometimes read every lead (a hash join) to find the 15
    (tests/smarketing/test_query_plans.py)."""
    latest = (
        SlaBreach.objects.filter(team__in=teams)
        # A breach resolved by an attempt dated by its deadline was a false alarm: the call
        # happened in time and was logged late (docs/figures.md, "SLA breach").
        .exclude(resolved_at__lte=F("due_at"))
        .order_by(*_BREACHES_NEWEST_FIRST)
        .values("pk")[:limit]
    )
    return (
        SlaBreach.objects.filter(pk__in=latest)
        .select_related("lead", "salesperson")
        .order_by(*_BREACHES_NEWEST_FIRST)
    )


def disqualification_report(*, filters, dimension: str):
    """Disqualified leads counted by reason and by source, lead list, persona or month,
    so a bad vendor list or a persona marketing misjudged shows itself."""
    filterset = DisqualificationReportFilter(
        filters, queryset=Lead.objects.filter(status=Lead.Status.DISQUALIFIED)
    )
    queryset = filterset.qs.order_by()
    if dimension == "month":
        queryset = queryset.annotate(group=TruncMonth("disqualified_at"))
    else:
        key = {"source": "source", "lead_list": "lead_list__name", "persona": "persona__name"}
        queryset = queryset.annotate(group=F(key.get(dimension, "source")))
    counts = queryset.values("group", "disqualification_reason_id").annotate(n=Count("pk"))
    reasons = list(DisqualificationReason.objects.all())
    table: dict = {}
    for row in counts:
        table.setdefault(row["group"], {})[row["disqualification_reason_id"]] = row["n"]
    used = {rid for per_group in table.values() for rid in per_group}
    columns = [r for r in reasons if r.is_active or r.pk in used]
    rows = []
    for group, per_reason in table.items():
        rows.append(
            {
                "group": group,
                "cells": [per_reason.get(r.pk, 0) for r in columns],
                "total": sum(per_reason.values()),
            }
        )
    rows.sort(key=lambda r: (-r["total"], str(r["group"])))
    if dimension == "month":
        rows.sort(key=lambda r: r["group"] or timezone.now(), reverse=True)
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(columns))]
    return filterset, columns, rows, totals


def active_plays():
    return Play.objects.filter(is_active=True).select_related("persona")


def lead_sources() -> list[str]:
    """Every lead source in use, in order (the insight filters' choices).

    Read as a skip scan of `lead_source_status_idx` (source first): one index probe per
    distinct source, "the smallest source after the previous one", instead of a
    DISTINCT over every lead, which PostgreSQL without statistics answered with a
    sequential scan of the whole table. The same SQL runs on SQLite."""
    t = connection.ops.quote_name(Lead._meta.db_table)
    c = connection.ops.quote_name(Lead._meta.get_field("source").column)
    # Names come from the model; the one value is a parameter.
    sql = " ".join([
        f"WITH RECURSIVE s(source) AS (SELECT MIN({c}) FROM {t} WHERE {c} > %s",  # noqa: S608
        f"UNION ALL SELECT (SELECT MIN({c}) FROM {t} WHERE {c} > s.source)",  # noqa: S608
        "FROM s WHERE s.source IS NOT NULL) SELECT source FROM s WHERE source IS NOT NULL",
    ])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [""])
        return [source for (source,) in cursor.fetchall()]
