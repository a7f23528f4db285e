"""The follow-up clocks: which SLA applies to a lead, when its play's next step is due,
and the scan that records (and tells people about) first touches that came too late.

The SLA is part of the agreement marketing and sales signed (leads.services.agreement):
a first touch within N hours of the handoff, M attempts before a lead may be
disqualified, per lead source where the agreement says so. The terms in force are read
from the latest signed version; each breach records the version that set its deadline.
"""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.urls import reverse
from django.utils import dateformat, timezone

from notifications.services import notification_send
from smarketing.events import publish
from smarketing.preferences import in_zone_of
from smarketing.web import absolute_url

from ..agreement_terms import SourceSla, Terms
from ..models import (
    Attempt,
    Channel,
    Handoff,
    Lead,
    PlayStep,
    SlaBreach,
    TeamMembership,
)
from .agreement import agreement_in_force, terms_in_force

# kwargs: lead_ids. Sent inside the transaction, after the write, when what counts as
# the first touch of these leads' current handoff may have changed: an attempt was logged
# (and the open breaches it resolved), or a handoff started the clock (a handoff, a
# release from the backlog). insight keeps loop health's rollup with it; the breach scan
# says so with the "sla.breached" event.
handoff_clock_changed = Signal()


def sla_policies() -> Terms:
    """The agreement's terms in force; a page or a batch loads them once."""
    return terms_in_force()[1]


def sla_policy_for(source: str, policies: Terms | None = None) -> SourceSla:
    """The follow-up SLA for a lead source under the agreement in force: the source's
    own terms where the agreement has them, else its general ones."""
    if policies is None:
        policies = sla_policies()
    return policies.sla_for(source)


# Steps where the point is to talk to the lead: ringing out or leaving a voicemail is a
# try, not the step done.
TALK_CHANNELS = frozenset({Channel.CALL, Channel.MEETING})
NOT_REACHED = frozenset({Attempt.Outcome.NO_ANSWER, Attempt.Outcome.VOICEMAIL})


def step_fulfilled_by(steps, done_ids, *, channel: str, outcome: str) -> PlayStep | None:
    """The play step an attempt completes: the first step not yet done whose channel is
    the attempt's, unless it is a talk-to-them step and nobody was reached. An email
    does not tick off a call, and "no answer" does not tick off anything."""
    for step in steps:
        if step.pk in done_ids or step.channel != channel:
            continue
        if step.channel in TALK_CHANNELS and outcome in NOT_REACHED:
            return None
        return step
    return None


def done_step_ids(lead: Lead) -> set[int]:
    """The steps of the lead's current play that an attempt since the handoff
    completed (a recycled lead handed off again with the same play starts over)."""
    if lead.play_id is None or lead.handed_off_at is None:
        return set()
    return set(
        Attempt.objects.filter(
            lead=lead,
            play_step__play_id=lead.play_id,
            occurred_at__gte=lead.handed_off_at,
        ).values_list("play_step_id", flat=True)
    )


def _next_step_due(lead: Lead, *, steps=None, done=None):
    """When the play's next step is due: the first step no attempt completed, on the
    play's schedule (`day_offset` days after the handoff), whenever the attempts were."""
    if lead.play_id is None or lead.handed_off_at is None:
        return None
    if steps is None:
        steps = list(lead.play.steps.all())
    if done is None:
        done = done_step_ids(lead)
    for step in steps:
        if step.pk not in done:
            return lead.handed_off_at + timedelta(days=step.day_offset)
    return None


# --- SLA breaches --------------------------------------------------------------------


def sla_breaches_scan(*, now=None) -> int:
    """Record every lead past its first-touch deadline and tell its salesperson and
    their manager, once: in the app and by email. Returns how many breaches were
    notified in this run.

    Idempotent in two steps. A breach is a row unique per (lead, deadline), so a second
    scan finds it exists and records nothing new. The notification is sent for rows whose
    `notified_at` is empty, locked with SKIP LOCKED so two concurrent scans do not both
    send; `notified_at` is set in the same transaction as the in-app notifications
    (which carry a dedupe key too). Mail goes out before that commit: if the commit
    failed, the next run could mail once more, which beats mailing nobody.
    """
    now = now or timezone.now()
    overdue = (
        Lead.objects.overdue(now)
        .exclude(sla_breaches__due_at=F("first_touch_due_at"))
        .values_list("pk", "owner_id", "first_touch_due_at")
    )
    in_force = None
    for lead_id, owner_id, due_at in overdue.iterator():
        team_id = _breach_team_id(lead_id, owner_id)
        agreement_id = _breach_agreement_id(lead_id)
        if agreement_id is None:
            in_force = in_force or agreement_in_force()
            agreement_id = in_force.pk if in_force else None
        try:
            with transaction.atomic():
                breach = SlaBreach.objects.create(
                    lead_id=lead_id,
                    salesperson_id=owner_id,
                    team_id=team_id,
                    due_at=due_at,
                    detected_at=now,
                    agreement_id=agreement_id,
                )
                publish(
                    "sla.breached",
                    {"breach": breach.pk, "lead": lead_id, "due_at": due_at, "detected_at": now},
                )
        except IntegrityError:
            continue  # another scan recorded it a moment ago

    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                SlaBreach.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(notified_at__isnull=True)
                .select_related("lead", "salesperson", "team__manager")
                .order_by("pk")[:100]
            )
            if not batch:
                break
            for breach in batch:
                _notify_breach(breach)
                breach.notified_at = now
            SlaBreach.objects.bulk_update(batch, ["notified_at"])
            sent += len(batch)
    return sent


def _breach_agreement_id(lead_id):
    """The version that set the deadline: the one the lead's latest handoff was judged
    by (a reassignment restarts the clock under the version in force then)."""
    return (
        Handoff.objects.filter(lead_id=lead_id, agreement__isnull=False)
        .exclude(status=Handoff.Status.QUEUED)
        .order_by("-handed_off_at", "-pk")
        .values_list("agreement_id", flat=True)
        .first()
    )


def _breach_team_id(lead_id, owner_id):
    if owner_id:
        return (
            TeamMembership.objects.filter(user_id=owner_id)
            .values_list("team_id", flat=True)
            .first()
        )
    return (
        Handoff.objects.filter(lead_id=lead_id, status=Handoff.Status.PENDING)
        .values_list("team_id", flat=True)
        .first()
    )


def _notify_breach(breach: SlaBreach) -> None:
    """Tell the salesperson and their manager, each with the deadline in their own time
    zone and, by email, a link their mail client can open."""
    lead = breach.lead
    url = reverse("leads:detail", args=[lead.pk])
    people = []
    if breach.salesperson is not None:
        people.append((breach.salesperson, "You have not touched {lead} yet; it was due {due}."))
    manager = breach.team.manager if breach.team else None
    if manager is not None and manager != breach.salesperson:
        who = breach.salesperson.get_full_name() if breach.salesperson else f"team {breach.team}"
        who = who or breach.salesperson.get_username()
        people.append(
            (manager, "SLA breach: {lead} (" + who + ") was due for a first touch {due}.")
        )
    for person, template in people:
        with in_zone_of(person):
            due = dateformat.format(timezone.localtime(breach.due_at), "D j M Y, H:i T")
        text = template.format(lead=lead, due=due)
        notification_send(
            recipient=person,
            kind="sla_breach",
            text=text,
            url=url,
            dedupe_key=f"sla-breach:{breach.pk}",
        )
        if person.email:
            send_mail(
                subject=f"SLA breach: {lead}",
                message=f"{text}\n\nOpen the lead: {absolute_url(url)}",
                from_email=None,
                recipient_list=[person.email],
            )
