"""What needs each person now: the reads behind the home page and the weekly summary.

One function per role, each a fixed number of queries whatever the data size (tests/home
assert the same count at two sizes); a person with several roles gets each of their
sections. Every item carries `url`, the page where
it is acted on (relative; the weekly email prefixes settings.SITE_URL). The rules are the
owning apps': this module calls their selectors and queryset methods and only chooses
what to show and in what order.

Definitions (shown on the page beside each section):

- "This week" is the last 7 days, today included (ATTENTION_DAYS), so that a Monday
  morning's page is not empty.
- New suggestions: open suggestions created in the last 7 days. Rising suggestions:
  open ones created earlier whose evidence grew in the last 7 days, i.e. at least one
  call counted into them was logged in that time. Both are one list, the calls of the
  last 7 days first. (A per-person "since you last looked" would need a record of each
  visit; the 7-day window means the same on the page and in the weekly email.)
- Passages most changed: per passage of a live version, the calls whose wording
  changed or left out that passage, over the calls counted on that version
  (VersionStats.uses). The feedback engine's own drift flag, when it lands, is the
  sharper signal; this is what the data says today.
- Content due for review: live versions published more than
  settings.CONTENT_REVIEW_DAYS days ago.
- Leads at risk: open leads of the manager's teams with no touch whose first-touch
  deadline falls within the next AT_RISK_HOURS.
- Follow-up rate and time to first touch per salesperson: docs/figures.md, computed with
  insight.figures (the leads handed off in the last 7 days, by their current owner).
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from feedback import selectors as feedback_selectors
from feedback.models import PassageEdit, Suggestion
from insight import figures
from insight import selectors as insight_selectors
from leads import selectors as leads_selectors
from leads import selectors_agreement as agreement_selectors
from leads.models import OPEN_STATUSES, AgreementVersion, Handoff, Lead, LeadList
from leads.policies import AgreementPolicy
from messaging.models import MessageVersion, Passage
from smarketing import roles
from smarketing.health import worker_state
from smarketing.models import OutboxMessage

ATTENTION_DAYS = 7
AT_RISK_HOURS = 4
# How many items each list shows; its count says how many there are in all.
SHOWN = 5


def week_bounds(now=None) -> tuple[str, str, datetime]:
    """The last ATTENTION_DAYS days, today included: (since, until) as ISO days for the
    filters of insight's pages, and the start as an aware datetime."""
    today = timezone.localdate(now)
    since = today - timedelta(days=ATTENTION_DAYS - 1)
    start = timezone.make_aware(datetime.combine(since, time.min))
    return since.isoformat(), today.isoformat(), start


# --- Marketing ----------------------------------------------------------------------


@dataclass
class ChangedPassage:
    message_title: str
    version_number: int
    passage_key: str
    position: int | None  # 1-based, as people count paragraphs; None: passage gone
    text: str
    changed_calls: int
    version_calls: int | None
    url: str

    @property
    def share(self) -> float | None:
        return self.changed_calls / self.version_calls if self.version_calls else None


@dataclass
class MarketerAttention:
    suggestions: list = field(default_factory=list)
    suggestion_count: int = 0
    passages: list[ChangedPassage] = field(default_factory=list)
    disqualified_total: int = 0
    disqualified_by_reason: list[dict] = field(default_factory=list)
    disqualified_latest: list = field(default_factory=list)
    disqualifications_url: str = ""
    objection_gaps: list = field(default_factory=list)
    stale_versions: list = field(default_factory=list)
    stale_count: int = 0
    review_days: int = 0


def marketer_attention(*, user, now=None) -> MarketerAttention:
    """Marketing's section: new and rising suggestions, the passages reps change most,
    this week's disqualifications by reason with the reps' notes, objections no
    handler covers and live content due for review."""
    now = now or timezone.now()
    since, until, _start = week_bounds(now)
    cutoff = now - timedelta(days=ATTENTION_DAYS)
    attention = MarketerAttention(review_days=settings.CONTENT_REVIEW_DAYS)

    recent = Count(
        "edits__call_log", filter=Q(edits__call_log__created_at__gte=cutoff), distinct=True
    )
    suggestions = (
        Suggestion.objects.open()
        .annotate(recent_calls=recent)
        .filter(Q(created_at__gte=cutoff) | Q(recent_calls__gt=0))
    )
    attention.suggestion_count = suggestions.count()
    detail = leads_selectors.url_maker("feedback:suggestion_detail")
    attention.suggestions = list(
        suggestions.select_related("message", "version").order_by("-recent_calls", "-score", "-pk")[
            :SHOWN
        ]
    )
    for suggestion in attention.suggestions:
        suggestion.is_new = suggestion.created_at >= cutoff
        suggestion.url = detail(suggestion.pk)

    attention.passages = _passages_most_changed()

    report = insight_selectors.disqualifications(
        user=user, filters={"since": since, "until": until}
    )
    base = reverse("insight:disqualifications")
    period = {"since": since, "until": until}
    attention.disqualifications_url = f"{base}?{urlencode(period)}"
    attention.disqualified_total = report.total
    attention.disqualified_by_reason = [
        {
            "name": name,
            "count": n,
            "url": f"{base}?{urlencode({**period, 'reason': pk})}"
            if pk
            else f"{base}?{urlencode(period)}",
        }
        for pk, name, n in report.counts
    ]
    if report.leads is not None:
        lead_url = leads_selectors.url_maker("leads:detail")
        attention.disqualified_latest = list(report.leads[:SHOWN])
        for lead in attention.disqualified_latest:
            lead.url = lead_url(lead.pk)

    attention.objection_gaps = feedback_selectors.objection_gaps_overview(limit=SHOWN)
    objections_url = reverse("feedback:objection_list")
    for tag in attention.objection_gaps:
        tag.url = objections_url

    stale = MessageVersion.objects.filter(
        status=MessageVersion.Status.LIVE,
        published_at__lt=now - timedelta(days=settings.CONTENT_REVIEW_DAYS),
    )
    attention.stale_count = stale.count()
    message_url = leads_selectors.url_maker("messaging:message_detail")
    attention.stale_versions = list(
        stale.select_related("message").order_by("published_at")[:SHOWN]
    )
    for version in attention.stale_versions:
        version.url = message_url(version.message_id)
    return attention


def _passages_most_changed() -> list[ChangedPassage]:
    """The passages of live versions that the most calls changed or left out, with the
    passage's text and the version's counted calls (two queries)."""
    rows = list(
        PassageEdit.objects.filter(
            version__status=MessageVersion.Status.LIVE,
            kind__in=[PassageEdit.Kind.REPLACE, PassageEdit.Kind.REWRITE, PassageEdit.Kind.REMOVE],
        )
        .values(
            "version_id",
            "version__number",
            "version__message_id",
            "version__message__title",
            "version__stats__uses",
            "passage_key",
        )
        .annotate(calls=Count("call_log", distinct=True))
        .order_by("-calls", "version_id", "passage_key")[:SHOWN]
    )
    if not rows:
        return []
    passages = {
        (p.version_id, p.key): p
        for p in Passage.objects.filter(
            version_id__in={row["version_id"] for row in rows},
            key__in={row["passage_key"] for row in rows},
        ).only("version_id", "key", "position", "text")
    }
    inbox = reverse("feedback:suggestion_inbox")
    return [
        ChangedPassage(
            message_title=row["version__message__title"],
            version_number=row["version__number"],
            passage_key=row["passage_key"],
            position=_position(passages.get((row["version_id"], row["passage_key"]))),
            text=getattr(passages.get((row["version_id"], row["passage_key"])), "text", ""),
            changed_calls=row["calls"],
            version_calls=row["version__stats__uses"],
            # The inbox narrowed to the message: the suggestions these changes became.
            url=f"{inbox}?{urlencode({'message': row['version__message_id']})}",
        )
        for row in rows
    ]


def _position(passage) -> int | None:
    return passage.position + 1 if passage is not None else None


# --- Sales --------------------------------------------------------------------------


@dataclass
class SalespersonAttention:
    due: list = field(default_factory=list)
    due_count: int = 0
    overdue_count: int = 0
    offers: list = field(default_factory=list)
    offer_count: int = 0
    shipped: list = field(default_factory=list)
    shipped_count: int = 0
    queue_url: str = ""


def salesperson_attention(*, user, now=None) -> SalespersonAttention:
    """A salesperson's section: their queue's leads due today or overdue (the first
    touch for an untouched lead, the next play step for the others), the handoffs
    offered to their team, and their wording that shipped."""
    now = now or timezone.now()
    end_of_today = timezone.make_aware(
        datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min)
    )
    attention = SalespersonAttention(queue_url=reverse("leads:queue"))
    _filterset, queue = leads_selectors.lead_queue(user=user, filters={})
    due = queue.filter(
        Q(first_touch_at__isnull=True, first_touch_due_at__lt=end_of_today)
        | Q(first_touch_at__isnull=False, next_step_due_at__lt=end_of_today)
    )
    late = Q(first_touch_at__isnull=True, first_touch_due_at__lt=now) | Q(
        first_touch_at__isnull=False, next_step_due_at__lt=now
    )
    counts = due.aggregate(due=Count("pk"), overdue=Count("pk", filter=late))
    attention.due_count, attention.overdue_count = counts["due"], counts["overdue"]
    attention.due = list(due[:SHOWN])
    leads_selectors.leads_decorate(attention.due, now=now)
    for lead in attention.due:
        lead.due_at = (
            lead.first_touch_due_at if lead.first_touch_at is None else lead.next_step_due_at
        )
        lead.late = lead.due_at is not None and lead.due_at < now
        lead.url = lead.detail_url

    offers = leads_selectors.team_offer_rows(user=user)
    attention.offer_count = len(offers)
    attention.offers = offers[:SHOWN]
    for offer in attention.offers:
        # The queue lists its team offers first, each with its Accept button.
        offer.url = attention.queue_url

    shipped = feedback_selectors.contributions_of(user=user).filter(shipped_at__isnull=False)
    attention.shipped_count = shipped.count()
    detail = leads_selectors.url_maker("feedback:suggestion_detail")
    attention.shipped = list(shipped.order_by("-shipped_at", "-pk")[:SHOWN])
    for suggestion in attention.shipped:
        suggestion.url = detail(suggestion.pk)
    return attention


# --- Sales management ---------------------------------------------------------------


@dataclass
class RepWeek:
    name: str
    handed_off: int
    due: int
    within: int
    median_first_touch: timedelta | None
    touched: int

    @property
    def follow_up_rate(self) -> float | None:
        # docs/figures.md: within SLA over due (insight.selectors.LoopHealth.follow_up_rate).
        return self.within / self.due if self.due else None


@dataclass
class ManagerAttention:
    breaches: list = field(default_factory=list)
    breach_count: int = 0
    at_risk: list = field(default_factory=list)
    at_risk_count: int = 0
    pending: list = field(default_factory=list)
    pending_count: int = 0
    reps: list[RepWeek] = field(default_factory=list)
    team_url: str = ""
    loop_health_url: str = ""
    at_risk_hours: int = AT_RISK_HOURS


def manager_attention(*, user, now=None) -> ManagerAttention:
    """A sales manager's section for the teams they manage: open SLA breaches, untouched
    leads whose deadline is within AT_RISK_HOURS, handoffs nobody accepted yet, and each
    salesperson's follow-up rate and median time to first touch for the leads handed
    off in the last 7 days (insight.figures' definitions)."""
    now = now or timezone.now()
    since, until, start = week_bounds(now)
    teams = leads_selectors.managed_teams(user)
    lead_url = leads_selectors.url_maker("leads:detail")
    period = urlencode({"since": since, "until": until})
    attention = ManagerAttention(
        team_url=reverse("leads:team"),
        loop_health_url=f"{reverse('insight:loop_health')}?{period}",
    )

    # Open breaches of leads still open: the ones a reassignment or a nudge can fix.
    breaches = figures.counted_breaches().filter(
        team__in=teams, resolved_at__isnull=True, lead__status__in=OPEN_STATUSES
    )
    attention.breach_count = breaches.count()
    attention.breaches = list(
        breaches.select_related("lead", "salesperson").order_by("due_at", "pk")[:SHOWN]
    )
    for breach in attention.breaches:
        breach.url = lead_url(breach.lead_id)

    at_risk = (
        Lead.objects.open()
        .of_teams(teams)
        .filter(
            first_touch_at__isnull=True,
            first_touch_due_at__gte=now,
            first_touch_due_at__lt=now + timedelta(hours=AT_RISK_HOURS),
        )
    )
    attention.at_risk_count = at_risk.count()
    attention.at_risk = list(
        at_risk.select_related("owner", "account").order_by("first_touch_due_at", "pk")[:SHOWN]
    )
    for lead in attention.at_risk:
        lead.url = lead_url(lead.pk)

    pending = Handoff.objects.filter(status=Handoff.Status.PENDING).filter(
        Q(team__in=teams) | Q(to_user__team_membership__team__in=teams)
    )
    attention.pending_count = pending.count()
    attention.pending = list(
        pending.select_related("lead", "to_user", "team").order_by("handed_off_at", "pk")[:SHOWN]
    )
    for handoff in attention.pending:
        handoff.url = lead_url(handoff.lead_id)

    attention.reps = _rep_weeks(teams=teams, start=start, now=now)
    return attention


def _rep_weeks(*, teams, start, now) -> list[RepWeek]:
    """Every salesperson of the teams with the week's figures: one grouped count and one
    list of first-touch times (a week of a team's handoffs), plus the members."""
    members = list(leads_selectors.team_members(teams=teams))
    cohort = figures.with_first_touch(
        Lead.objects.filter(handed_off_at__gte=start, owner__in=[m.pk for m in members]).order_by()
    ).annotate(breached=figures.has_counted_breach())
    counts = {
        row["owner_id"]: row
        for row in cohort.values("owner_id").annotate(
            n=Count("pk"),
            due=Count("pk", filter=figures.is_due(now)),
            within=Count("pk", filter=figures.is_within_sla()),
        )
    }
    spans: dict[int, list[timedelta]] = {}
    for owner_id, span in cohort.filter(first_touch__isnull=False).values_list(
        "owner_id", "time_to_first_touch"
    ):
        spans.setdefault(owner_id, []).append(span)
    weeks = []
    for member in members:
        row = counts.get(member.pk, {})
        touched = spans.get(member.pk, [])
        weeks.append(
            RepWeek(
                name=member.get_full_name() or member.username,
                handed_off=row.get("n", 0),
                due=row.get("due", 0),
                within=row.get("within", 0),
                # The exact median, the middle one or two values (docs/figures.md).
                median_first_touch=statistics.median(touched) if touched else None,
                touched=len(touched),
            )
        )
    return weeks


# --- Administration -----------------------------------------------------------------


@dataclass
class AdminAttention:
    outbox_backlog: int = 0
    outbox_oldest: datetime | None = None
    heartbeat: dict = field(default_factory=dict)
    failed_imports: list = field(default_factory=list)
    failed_count: int = 0
    outbox_url: str = ""

    @property
    def outbox_age(self) -> timedelta | None:
        return timezone.now() - self.outbox_oldest if self.outbox_oldest else None


def admin_attention(*, user, now=None) -> AdminAttention:
    """An admin's section: background work's health (the outbox's unsent rows and the
    oldest one's age, the worker's last heartbeat) and lead imports that failed.
    A cache read and a few queries."""
    backlog = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(
        n=Count("pk"), oldest=Min("created_at")
    )
    attention = AdminAttention(
        outbox_backlog=backlog["n"],
        outbox_oldest=backlog["oldest"],
        heartbeat=worker_state(),
        outbox_url=reverse("admin:smarketing_outboxmessage_changelist") + "?sent_at__isnull=True",
    )
    failed = leads_selectors.lead_lists(user=user).filter(status=LeadList.Status.FAILED)
    attention.failed_count = failed.count()
    import_url = leads_selectors.url_maker("leads:import_detail")
    attention.failed_imports = list(failed.order_by("-created_at", "-pk")[:SHOWN])
    for lead_list in attention.failed_imports:
        lead_list.url = import_url(lead_list.pk)
    return attention


# --- The growth target both teams share -----------------------------------------------


@dataclass
class SharedTarget:
    """The period's target with its progress and the leading indicators the agreement
    names, over the leads handed off in the target's period, with the definitions of
    insight.figures (docs/figures.md): follow-up rate, median time to first touch, and
    conversion (the share of those leads that became opportunities)."""

    agreement: object
    pending: object = None
    sign: object = None
    progress: object = None
    follow_up_rate: float | None = None
    median_first_touch: object = None
    conversion: float | None = None


def shared_target(*, user, now=None) -> SharedTarget:
    """The agreement in force (and a change waiting, with whether this user may sign
    it), and the period's target with its progress when one is set."""
    # One query: one change waits at a time and is numbered after the version in force,
    # so the two newest signed-or-waiting versions hold both.
    newest = list(
        AgreementVersion.objects.filter(withdrawn_at__isnull=True).order_by("-number")[:2]
    )
    signed = [v for v in newest if v.in_force_from is not None]
    shared = SharedTarget(agreement=signed[0] if signed else None)
    shared.pending = next((v for v in newest if v.is_pending), None)
    if shared.pending is not None:
        shared.sign = AgreementPolicy(user, shared.pending).can_sign()
    target = agreement_selectors.target_current(now)
    if target is None:
        return shared
    health = insight_selectors.loop_health(
        filters={"since": target.starts_on.isoformat(), "until": target.ends_on.isoformat()},
        now=now,
    )
    start, end = agreement_selectors.target_period(target)
    converted = Lead.objects.filter(handed_off_at__gte=start, handed_off_at__lt=end).aggregate(
        n=Count("pk"), won=Count("pk", filter=figures.HAS_OPPORTUNITY)
    )
    shared.progress = agreement_selectors.target_progress(target)
    shared.follow_up_rate = health.follow_up_rate
    shared.median_first_touch = health.median_first_touch
    shared.conversion = converted["won"] / converted["n"] if converted["n"] else None
    return shared


# --- A person's page ----------------------------------------------------------------


@dataclass
class Home:
    marketing: MarketerAttention | None = None
    sales: SalespersonAttention | None = None
    manager: ManagerAttention | None = None
    admin: AdminAttention | None = None
    target: SharedTarget | None = None

    @property
    def sections(self) -> int:
        return sum(s is not None for s in (self.marketing, self.sales, self.manager, self.admin))


def home_for(*, user, now=None) -> Home:
    """Each section the person's roles give them (several roles, several sections).

    The roles held, not has_role: an admin may open every page but their home is the
    admin's unless they also belong to another role's group."""
    held = roles.roles_of(user)
    home = Home()
    if roles.MARKETING in held:
        home.marketing = marketer_attention(user=user, now=now)
    if roles.SALES in held:
        home.sales = salesperson_attention(user=user, now=now)
    if roles.SALES_MANAGER in held:
        home.manager = manager_attention(user=user, now=now)
    if roles.ADMIN in held:
        home.admin = admin_attention(user=user, now=now)
    # Both teams work to the one target: marketing's and sales' pages show it alike.
    if held & {roles.MARKETING, roles.SALES, roles.SALES_MANAGER}:
        home.target = shared_target(user=user, now=now)
    return home
