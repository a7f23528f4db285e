"""Every write of the leads app that carries a rule.

Who may do what with a lead, and when, is decided here and only here. Each function
checks permission first, validates, then writes inside one transaction; notifications
and background work are sent after the commit.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

# Module import (not `from ... import`): feedback.services imports this module too.
from feedback import services as feedback_services
from smarketing import outbox, roles
from smarketing.audit import audit_record, audit_record_many

from . import importing
from .models import (
    OPEN_STATUSES,
    Account,
    Attempt,
    DisqualificationReason,
    Handoff,
    ImportRejection,
    Lead,
    LeadList,
    Opportunity,
    Play,
    SlaBreach,
    SlaPolicy,
    Team,
    TeamMembership,
)

logger = logging.getLogger(__name__)
User = get_user_model()

IMPORT_BATCH_SIZE = 1000

# Sent inside opportunity_create/opportunity_close (kwargs: opportunity); receivers
# that start background work defer it with transaction.on_commit.
opportunity_changed = Signal()


class HandoffAlreadyTaken(ValidationError):
    """Someone else accepted the handoff first."""


def _require_role(user, *allowed: str) -> None:
    if not roles.has_role(user, *allowed):
        raise PermissionDenied("Your role does not allow this.")


# --- SLA ----------------------------------------------------------------------------


def sla_policies() -> dict[str, SlaPolicy]:
    """All SLA rows by source ("" is the global one); a page loads them once."""
    return {policy.source: policy for policy in SlaPolicy.objects.all()}


def sla_policy_for(source: str, policies: dict[str, SlaPolicy] | None = None) -> SlaPolicy:
    """The policy for a lead source: its override, else the global row, else the
    built-in default (24 h, 3 attempts) if an admin deleted the global row."""
    if policies is None:
        policies = {p.source: p for p in SlaPolicy.objects.filter(source__in=["", source or ""])}
    return policies.get(source or "") or policies.get("") or SlaPolicy(source="")


@dataclass(frozen=True)
class DisqualifyCheck:
    allowed: bool
    attempts: int
    required: int

    @property
    def reason(self) -> str:
        if self.allowed:
            return ""
        return (
            f"{self.attempts} of {self.required} attempts logged: the SLA asks for "
            f"{self.required} before a lead may be disqualified."
        )


def disqualify_check(lead: Lead, policies=None) -> DisqualifyCheck:
    """May this lead be disqualified yet? Only once the SLA's minimum number of attempts
    is logged: marketing paid for the lead, and "tried once, no answer" is not a reason
    it can act on. Pages call this to lock the button and say why."""
    required = sla_policy_for(lead.source, policies).min_attempts_before_disqualify
    return DisqualifyCheck(lead.attempt_count >= required, lead.attempt_count, required)


def _next_step_due(lead: Lead, *, attempt_count: int | None = None, steps=None):
    """When the play's next step is due: step N is done once N attempts are logged;
    step N+1 is due `day_offset` days after the handoff."""
    if lead.play_id is None or lead.handed_off_at is None:
        return None
    if steps is None:
        steps = list(lead.play.steps.all())
    count = lead.attempt_count if attempt_count is None else attempt_count
    if count >= len(steps):
        return None
    return lead.handed_off_at + timedelta(days=steps[count].day_offset)


# --- Creating and qualifying ---------------------------------------------------------


@transaction.atomic
def lead_create(*, user, email: str, **fields) -> Lead:
    """Marketing enters one lead by hand; the email is the identity, so no duplicates."""
    _require_role(user, roles.MARKETING)
    lead = Lead(email=email.strip().lower(), **fields)
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_qualify(*, leads, user) -> int:
    """Marketing marks leads as marketing-qualified (MQL): ready for a salesperson.

    Only new or recycled leads can be qualified; returns how many changed."""
    _require_role(user, roles.MARKETING)
    now = timezone.now()
    ids = [lead.pk for lead in leads]
    return Lead.objects.filter(
        pk__in=ids, status__in=[Lead.Status.NEW, Lead.Status.RECYCLED]
    ).update(status=Lead.Status.MQL, qualified_at=Coalesce(F("qualified_at"), now))


def _open_counts(user_ids) -> dict[int, int]:
    rows = (
        Lead.objects.open()
        .filter(owner_id__in=user_ids)
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    return dict(rows)


def _round_robin(team: Team, how_many: int) -> list:
    """Salespeople for `how_many` leads, in turn after the last one the team's round-robin
    served, skipping anyone at their open-lead cap. The team row is locked so two
    concurrent bulk handoffs do not both pick the same "next" person."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    memberships = list(
        TeamMembership.objects.filter(team=team, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    if not memberships:
        raise ValidationError(f"{team} has no salespeople to hand leads to.")
    counts = _open_counts([m.user_id for m in memberships])
    last = (
        Handoff.objects.filter(team=team, to_user__isnull=False)
        .order_by("-handed_off_at", "-pk")
        .values_list("to_user_id", flat=True)
        .first()
    )
    ids = [m.user_id for m in memberships]
    start = (ids.index(last) + 1) % len(ids) if last in ids else 0
    order = memberships[start:] + memberships[:start]
    chosen = []
    position = 0
    for _ in range(how_many):
        for _attempt in range(len(order)):
            member = order[position % len(order)]
            position += 1
            if counts.get(member.user_id, 0) < member.open_lead_cap:
                counts[member.user_id] = counts.get(member.user_id, 0) + 1
                chosen.append(member.user)
                break
        else:
            raise ValidationError(
                f"Everyone in {team} is at their open-lead cap; raise a cap or choose a "
                "salesperson by name."
            )
    return chosen


@transaction.atomic
def lead_handoff(
    *,
    leads,
    user,
    play: Play | None = None,
    to_user=None,
    team: Team | None = None,
    round_robin: bool = False,
    note: str = "",
) -> list[Handoff]:
    """Marketing hands one or many leads to sales, with a play.

    Three ways to choose the salesperson:
    - `to_user`: a named salesperson;
    - `team` + `round_robin`: each lead to the next person of the team in turn, skipping
      those over their TeamMembership.open_lead_cap;
    - `team` alone: offered to the whole team; the first salesperson to accept takes it
      (see handoff_accept).
    Handing off qualifies a lead that was not yet an MQL. The first-touch clock of the
    lead source's SLA starts now.
    """
    _require_role(user, roles.MARKETING)
    if play is not None and not play.is_active:
        raise ValidationError("That play is archived; choose an active play.")
    if to_user is not None:
        if roles.SALES not in roles.roles_of(to_user):
            raise ValidationError(f"{to_user} is not a salesperson.")
        team = getattr(getattr(to_user, "team_membership", None), "team", None)
    elif team is None:
        raise ValidationError("Choose a salesperson or a team.")

    ids = [lead.pk for lead in leads]
    locked = list(Lead.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if not locked:
        raise ValidationError("Choose at least one lead.")
    allowed = {Lead.Status.NEW, Lead.Status.MQL, Lead.Status.RECYCLED}
    blocked = [lead for lead in locked if lead.status not in allowed or lead.owner_id]
    if blocked:
        names = ", ".join(str(lead) for lead in blocked[:5])
        raise ValidationError(
            f"{len(blocked)} of the chosen leads are already with sales or closed ({names}); "
            "a sales manager can reassign them."
        )
    if Handoff.objects.filter(lead_id__in=ids, status=Handoff.Status.PENDING).exists():
        raise ValidationError("Some of the chosen leads are already waiting for acceptance.")

    if to_user is not None:
        recipients = [to_user] * len(locked)
    elif round_robin:
        recipients = _round_robin(team, len(locked))
    else:
        recipients = [None] * len(locked)

    now = timezone.now()
    policies = sla_policies()
    steps = list(play.steps.all()) if play else []
    handoffs = []
    for lead, recipient in zip(locked, recipients, strict=True):
        lead.status = Lead.Status.MQL
        lead.qualified_at = lead.qualified_at or now
        lead.owner = recipient
        lead.play = play
        lead.handed_off_at = now
        lead.accepted_at = None
        if lead.first_touch_at is None:
            hours = sla_policy_for(lead.source, policies).hours_to_first_touch
            lead.first_touch_due_at = now + timedelta(hours=hours)
        lead.next_step_due_at = _next_step_due(lead, steps=steps) if play else None
        handoffs.append(
            Handoff(
                lead=lead,
                from_user=user,
                to_user=recipient,
                team=team,
                play=play,
                note=note,
                handed_off_at=now,
            )
        )
    Lead.objects.bulk_update(
        locked,
        [
            "status",
            "qualified_at",
            "owner",
            "play",
            "handed_off_at",
            "accepted_at",
            "first_touch_due_at",
            "next_step_due_at",
        ],
    )
    Handoff.objects.bulk_create(handoffs)
    audit_record_many(
        actor=user,
        action="lead.handoff",
        changes=[
            (
                handoff.lead,
                None,
                {
                    "to": handoff.to_user.get_username() if handoff.to_user else None,
                    "team": str(team) if team else None,
                    "play": str(play) if play else None,
                },
            )
            for handoff in handoffs
        ],
    )

    _notify_handoff(recipients, team, user, len(locked), now)
    return handoffs


def _notify_handoff(recipients, team, user, count, now) -> None:
    queue_url = reverse("leads:queue")
    stamp = now.strftime("%Y%m%d%H%M%S%f")
    per_person: dict = {}
    for recipient in recipients:
        if recipient is not None:
            per_person[recipient] = per_person.get(recipient, 0) + 1
    if not per_person and team is not None:
        for membership in team.memberships.select_related("user"):
            per_person[membership.user] = 0
    for person, n in per_person.items():
        if n:
            text = f"{user.get_full_name() or user} handed you {n} lead{'s' if n != 1 else ''}."
        else:
            text = f"{count} lead{'s' if count != 1 else ''} offered to {team}: first to accept."
        feedback_services.notification_send(
            recipient=person,
            kind="lead_handoff",
            text=text,
            url=queue_url,
            dedupe_key=f"handoff:{user.pk}:{stamp}",
        )


@transaction.atomic
def handoff_accept(*, handoff: Handoff, user) -> Handoff:
    """A salesperson accepts a lead handed to them (or offered to their team).

    Two salespeople may press Accept on the same team handoff at the same moment. The
    acceptance is one conditional UPDATE (`WHERE status = 'pending'`): the database lets
    exactly one of them change the row; the other gets HandoffAlreadyTaken naming who
    took it, and nothing of theirs is written.
    """
    _require_role(user, roles.SALES)
    handoff = Handoff.objects.select_related("accepted_by").get(pk=handoff.pk)
    if handoff.status != Handoff.Status.PENDING:
        _raise_taken(handoff, user)
        return handoff
    if handoff.to_user_id is not None and handoff.to_user_id != user.pk:
        raise PermissionDenied("This lead was handed to someone else.")
    if handoff.to_user_id is None:
        on_team = TeamMembership.objects.filter(user=user, team_id=handoff.team_id).exists()
        if not on_team:
            raise PermissionDenied("This lead was offered to another team.")
    now = timezone.now()
    won = Handoff.objects.filter(pk=handoff.pk, status=Handoff.Status.PENDING).update(
        status=Handoff.Status.ACCEPTED,
        accepted_at=now,
        accepted_by=user,
        to_user=Coalesce(F("to_user"), user.pk),
    )
    if not won:
        current = Handoff.objects.select_related("accepted_by").get(pk=handoff.pk)
        _raise_taken(current, user)
        return current
    Lead.objects.filter(pk=handoff.lead_id).update(
        owner=user, status=Lead.Status.ACCEPTED, accepted_at=now
    )
    handoff.refresh_from_db()
    return handoff


def _raise_taken(handoff: Handoff, user) -> None:
    """Tell the loser of an acceptance race who won; accepting twice is harmless."""
    if handoff.status == Handoff.Status.ACCEPTED and handoff.accepted_by_id == user.pk:
        return
    if handoff.status == Handoff.Status.ACCEPTED:
        taker = handoff.accepted_by
        name = (taker.get_full_name() or taker.username) if taker else "Someone else"
        raise HandoffAlreadyTaken(f"{name} accepted this lead first.")
    raise HandoffAlreadyTaken("This handoff was withdrawn or reassigned.")


# --- Working a lead ------------------------------------------------------------------


def _manages(user, lead: Lead) -> bool:
    if roles.SALES_MANAGER not in roles.roles_of(user):
        return False
    teams = Team.objects.filter(manager=user)
    if lead.owner_id and TeamMembership.objects.filter(user_id=lead.owner_id, team__in=teams):
        return True
    return Handoff.objects.filter(lead=lead, status=Handoff.Status.PENDING, team__in=teams).exists()


def _require_owner(user, lead: Lead) -> None:
    if lead.owner_id != user.pk:
        raise PermissionDenied("Only the salesperson who owns this lead can do this.")


@transaction.atomic
def attempt_log(
    *, lead: Lead, user, channel: str, outcome: str, note: str = "", occurred_at=None
) -> Attempt:
    """The owner logs one try to reach the lead. The first attempt is the first touch
    that the SLA measures; each attempt completes a play step and moves the next one."""
    _require_role(user, roles.SALES)
    lead = Lead.objects.select_for_update(of=("self",)).select_related("play").get(pk=lead.pk)
    _require_owner(user, lead)
    if lead.status not in (Lead.Status.ACCEPTED, Lead.Status.OPPORTUNITY):
        raise ValidationError("Accept the lead before logging attempts on it.")
    occurred_at = occurred_at or timezone.now()
    attempt = Attempt(
        lead=lead,
        salesperson=user,
        channel=channel,
        outcome=outcome,
        note=note,
        occurred_at=occurred_at,
    )
    attempt.full_clean()
    attempt.save()
    lead.attempt_count += 1
    lead.first_touch_at = lead.first_touch_at or occurred_at
    lead.last_touch_at = max(lead.last_touch_at or occurred_at, occurred_at)
    lead.next_step_due_at = _next_step_due(lead)
    lead.save(
        update_fields=["attempt_count", "first_touch_at", "last_touch_at", "next_step_due_at"]
    )
    SlaBreach.objects.filter(lead=lead, resolved_at__isnull=True).update(resolved_at=occurred_at)
    return attempt


@transaction.atomic
def lead_disqualify(*, lead: Lead, user, reason: DisqualificationReason, note: str) -> Lead:
    """Let a lead go, with a reason marketing can act on.

    Allowed for the owner (or their manager) only once the lead's SLA minimum of attempts
    is logged (see disqualify_check), with an active reason and a note in words: "no
    budget" alone does not tell marketing which vendor list to stop buying.
    """
    _require_role(user, roles.SALES, roles.SALES_MANAGER)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if (
        lead.owner_id != user.pk
        and not _manages(user, lead)
        and roles.ADMIN not in roles.roles_of(user)
    ):
        raise PermissionDenied("Only the lead's salesperson or their manager can disqualify it.")
    if lead.status not in (Lead.Status.MQL, Lead.Status.ACCEPTED):
        raise ValidationError(f"A lead that is {lead.get_status_display()} cannot be disqualified.")
    errors = {}
    if reason is None or not reason.is_active:
        errors["reason"] = "Choose a reason."
    if not (note or "").strip():
        errors["note"] = "Say in a sentence why: marketing reads these notes."
    if errors:
        raise ValidationError(errors)
    check = disqualify_check(lead)
    if not check.allowed:
        raise ValidationError(check.reason)
    now = timezone.now()
    audit_record(
        actor=user,
        action="lead.disqualify",
        target=lead,
        before={"status": lead.status},
        after={"status": Lead.Status.DISQUALIFIED, "reason": reason.name, "note": note.strip()},
    )
    lead.status = Lead.Status.DISQUALIFIED
    lead.disqualification_reason = reason
    lead.disqualification_note = note.strip()
    lead.disqualified_at = now
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.save(
        update_fields=[
            "status",
            "disqualification_reason",
            "disqualification_note",
            "disqualified_at",
            "closed_at",
            "next_step_due_at",
        ]
    )
    Handoff.objects.filter(lead=lead, status=Handoff.Status.PENDING).update(
        status=Handoff.Status.SUPERSEDED
    )
    return lead


@transaction.atomic
def lead_recycle(*, lead: Lead, user) -> Lead:
    """Marketing takes a disqualified or lost lead back to nurture it; it may be
    qualified and handed off again later."""
    _require_role(user, roles.MARKETING)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status not in (Lead.Status.DISQUALIFIED, Lead.Status.LOST):
        raise ValidationError("Only disqualified or lost leads can be recycled.")
    lead.status = Lead.Status.RECYCLED
    lead.owner = None
    lead.play = None
    lead.first_touch_due_at = None
    lead.next_step_due_at = None
    lead.save(update_fields=["status", "owner", "play", "first_touch_due_at", "next_step_due_at"])
    return lead


@transaction.atomic
def opportunity_create(
    *,
    lead: Lead,
    user,
    amount: Decimal,
    currency: str = Opportunity.Currency.EUR,
    name: str = "",
    expected_close=None,
    stage: str = Opportunity.Stage.DISCOVERY,
) -> Opportunity:
    """The owner converts an accepted lead into an opportunity (a deal in the pipeline)."""
    _require_role(user, roles.SALES)
    lead = Lead.objects.select_for_update(of=("self",)).select_related("account").get(pk=lead.pk)
    _require_owner(user, lead)
    if lead.status != Lead.Status.ACCEPTED:
        raise ValidationError("Only an accepted lead can become an opportunity.")
    if stage in (Opportunity.Stage.WON, Opportunity.Stage.LOST):
        raise ValidationError({"stage": "Create the opportunity open, then mark it won or lost."})
    opportunity = Opportunity(
        lead=lead,
        account=lead.account,
        owner=user,
        name=name or f"{lead.account or lead.full_name or lead.email}",
        amount=amount,
        currency=currency,
        stage=stage,
        expected_close=expected_close,
    )
    opportunity.full_clean()
    opportunity.save()
    lead.status = Lead.Status.OPPORTUNITY
    lead.save(update_fields=["status"])
    opportunity_changed.send(sender=Opportunity, opportunity=opportunity)
    return opportunity


@transaction.atomic
def opportunity_close(*, opportunity: Opportunity, user, won: bool, amount: Decimal) -> Opportunity:
    """Mark a deal won or lost with its final amount; the lead closes with it. Won
    amounts are the revenue that message attribution reports."""
    _require_role(user, roles.SALES, roles.SALES_MANAGER)
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("lead")
        .get(pk=opportunity.pk)
    )
    lead = opportunity.lead
    if opportunity.owner_id != user.pk and not _manages(user, lead):
        raise PermissionDenied("Only the opportunity's owner or their manager can close it.")
    if opportunity.is_closed:
        raise ValidationError(f"This opportunity is already {opportunity.get_stage_display()}.")
    now = timezone.now()
    opportunity.stage = Opportunity.Stage.WON if won else Opportunity.Stage.LOST
    opportunity.amount = amount
    opportunity.closed_at = now
    opportunity.full_clean()
    opportunity.save(update_fields=["stage", "amount", "closed_at"])
    lead.status = Lead.Status.WON if won else Lead.Status.LOST
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.save(update_fields=["status", "closed_at", "next_step_due_at"])
    opportunity_changed.send(sender=Opportunity, opportunity=opportunity)
    return opportunity


@transaction.atomic
def lead_reassign(*, lead: Lead, user, to_user, note: str = "") -> Lead:
    """A sales manager moves an open lead to another salesperson of a team they manage.

    The old pending handoff is superseded and the move is recorded as a handoff. If the
    lead was never touched, the new owner gets a fresh first-touch deadline (the breach
    already recorded against the previous owner stays on record).
    """
    _require_role(user, roles.SALES_MANAGER)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not (_manages(user, lead) or roles.ADMIN in roles.roles_of(user)):
        raise PermissionDenied("This lead is not with one of your teams.")
    if lead.status not in OPEN_STATUSES:
        raise ValidationError(f"A lead that is {lead.get_status_display()} cannot be reassigned.")
    membership = TeamMembership.objects.filter(user=to_user).select_related("team").first()
    if membership is None or (
        membership.team.manager_id != user.pk and roles.ADMIN not in roles.roles_of(user)
    ):
        raise ValidationError({"to_user": "Choose a salesperson of a team you manage."})
    if to_user.pk == lead.owner_id:
        raise ValidationError({"to_user": f"{to_user} already owns this lead."})
    now = timezone.now()
    pending = Handoff.objects.filter(lead=lead, status=Handoff.Status.PENDING).first()
    Handoff.objects.filter(lead=lead, status=Handoff.Status.PENDING).update(
        status=Handoff.Status.SUPERSEDED
    )
    accepted = lead.status != Lead.Status.MQL
    Handoff.objects.create(
        lead=lead,
        from_user=user,
        to_user=to_user,
        team=membership.team,
        play=lead.play,
        note=note or (pending.note if pending else ""),
        status=Handoff.Status.ACCEPTED if accepted else Handoff.Status.PENDING,
        handed_off_at=now,
        accepted_at=now if accepted else None,
        accepted_by=to_user if accepted else None,
    )
    audit_record(
        actor=user,
        action="lead.reassign",
        target=lead,
        before={"owner": lead.owner.get_username() if lead.owner else None},
        after={"owner": to_user.get_username(), "note": note},
    )
    lead.owner = to_user
    fields = ["owner"]
    if lead.first_touch_at is None:
        lead.first_touch_due_at = now + timedelta(
            hours=sla_policy_for(lead.source).hours_to_first_touch
        )
        fields.append("first_touch_due_at")
    lead.save(update_fields=fields)
    Opportunity.objects.filter(lead=lead).update(owner=to_user)
    feedback_services.notification_send(
        recipient=to_user,
        kind="lead_reassigned",
        text=f"{user.get_full_name() or user} gave you the lead {lead}.",
        url=reverse("leads:detail", args=[lead.pk]),
        dedupe_key=f"reassign:{lead.pk}:{now.isoformat()}",
    )
    return lead


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
    for lead_id, owner_id, due_at in overdue.iterator():
        team_id = _breach_team_id(lead_id, owner_id)
        try:
            with transaction.atomic():
                SlaBreach.objects.create(
                    lead_id=lead_id,
                    salesperson_id=owner_id,
                    team_id=team_id,
                    due_at=due_at,
                    detected_at=now,
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
    lead = breach.lead
    url = reverse("leads:detail", args=[lead.pk])
    due = timezone.localtime(breach.due_at).strftime("%Y-%m-%d %H:%M")
    people = []
    if breach.salesperson is not None:
        people.append((breach.salesperson, f"You have not touched {lead} yet; it was due {due}."))
    manager = breach.team.manager if breach.team else None
    if manager is not None and manager != breach.salesperson:
        who = breach.salesperson.get_full_name() if breach.salesperson else f"team {breach.team}"
        people.append((manager, f"SLA breach: {lead} ({who}) was due for a first touch {due}."))
    for person, text in people:
        feedback_services.notification_send(
            recipient=person,
            kind="sla_breach",
            text=text,
            url=url,
            dedupe_key=f"sla-breach:{breach.pk}",
        )
        if person.email:
            send_mail(
                subject=f"SLA breach: {lead}",
                message=f"{text}\n\nOpen the lead: {url}",
                from_email=None,
                recipient_list=[person.email],
            )


# --- Importing lead lists ------------------------------------------------------------


def _validation_error_for(error: importing.ImportFileError) -> ValidationError:
    return ValidationError(str(error), code="unreadable")


@transaction.atomic
def lead_import_create(*, user, uploaded_file, name: str = "", source: str = "", persona=None):
    """Store an uploaded CSV under MEDIA_ROOT and read its shape (encoding, separator,
    header, rows). Refuses empty, binary, unreadable and over-50-MB files with a message
    saying what to do; stores nothing for them."""
    _require_role(user, roles.MARKETING)
    size = getattr(uploaded_file, "size", None) or 0
    if size > importing.MAX_FILE_BYTES:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{importing.MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files, "
            "or ask an admin to run `manage.py import_leads` with it.",
            code="too_large",
        )
    if size == 0:
        raise ValidationError("The file is empty: there is no header row and no lead in it.")
    filename = getattr(uploaded_file, "name", "leads.csv").rsplit("/", 1)[-1]
    lead_list = LeadList(
        name=name or filename,
        source=source or f"Import: {filename}",
        persona=persona,
        original_filename=filename,
        file_size=size,
        created_by=user,
    )
    lead_list.file.save(filename, uploaded_file, save=False)
    try:
        analysis = importing.analyse_file(default_storage.path(lead_list.file.name))
    except importing.ImportFileError as error:
        lead_list.file.delete(save=False)
        raise _validation_error_for(error) from error
    lead_list.encoding = analysis.encoding
    lead_list.delimiter = analysis.delimiter
    lead_list.header = analysis.header
    lead_list.total_rows = analysis.row_count
    lead_list.mapping = importing.guess_mapping(analysis.header)
    lead_list.full_clean()
    lead_list.save()
    return lead_list


@transaction.atomic
def lead_import_set_mapping(*, lead_list: LeadList, user, mapping: dict[str, int]) -> LeadList:
    """Confirm which column holds which lead field; Email must be among them."""
    _require_role(user, roles.MARKETING)
    lead_list = LeadList.objects.select_for_update().get(pk=lead_list.pk)
    if lead_list.status != LeadList.Status.MAPPING:
        raise ValidationError("This import has already started.")
    width = len(lead_list.header)
    clean = {}
    for field_name, index in mapping.items():
        if field_name not in importing.FIELD_LABELS or index is None or index == "":
            continue
        index = int(index)
        if not 0 <= index < width:
            raise ValidationError(f"Column {index + 1} does not exist in this file.")
        if index in clean.values():
            raise ValidationError(
                f"Column “{lead_list.header[index]}” is mapped to two fields; map it once."
            )
        clean[field_name] = index
    missing = importing.missing_required(clean)
    if missing:
        raise ValidationError(
            f"Choose the column that holds: {', '.join(missing)}. Without it no row can "
            "become a lead."
        )
    lead_list.mapping = clean
    lead_list.save(update_fields=["mapping"])
    return lead_list


@transaction.atomic
def lead_import_start(*, lead_list: LeadList, user) -> LeadList:
    """Queue the import; the Celery task starts after this transaction commits."""
    from .tasks import lead_import_task

    _require_role(user, roles.MARKETING)
    lead_list = LeadList.objects.select_for_update().get(pk=lead_list.pk)
    if lead_list.status != LeadList.Status.MAPPING:
        raise ValidationError("This import has already started.")
    if importing.missing_required(lead_list.mapping):
        raise ValidationError("Map the Email column before starting the import.")
    lead_list.status = LeadList.Status.QUEUED
    lead_list.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="leads.import",
        target=lead_list,
        after={"file": lead_list.original_filename, "source": lead_list.source},
    )
    outbox.enqueue(lead_import_task, lead_list.pk)
    return lead_list


def lead_import_run(*, lead_list_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> LeadList:
    """Import the rows of a queued list: every good row becomes a lead, every other row
    is recorded with its line number and reason. Duplicates (same email earlier in the
    file, or an existing lead) are reported and not imported.

    Each batch commits with its counts, so the progress bar moves and a worker that dies
    halfway resumes after the last committed batch instead of importing rows twice.
    """
    lead_list = LeadList.objects.get(pk=lead_list_id)
    if lead_list.status == LeadList.Status.DONE:
        return lead_list
    if lead_list.status not in (LeadList.Status.QUEUED, LeadList.Status.RUNNING):
        raise ValidationError(f"This import is {lead_list.get_status_display().lower()}.")
    LeadList.objects.filter(pk=lead_list.pk).update(
        status=LeadList.Status.RUNNING, started_at=Coalesce(F("started_at"), timezone.now())
    )
    try:
        path = default_storage.path(lead_list.file.name)
        mapping = {name: int(index) for name, index in lead_list.mapping.items()}
        width = len(lead_list.header)
        already_done = lead_list.processed_rows
        seen: dict[str, int] = {}
        accounts: dict[str, int] = {}
        batch: list[importing.ParsedRow] = []
        position = 0
        for line, values in importing.iter_rows(
            path, encoding=lead_list.encoding, delimiter=lead_list.delimiter
        ):
            position += 1
            row = importing.parse_row(
                line, values, mapping=mapping, width=width, delimiter=lead_list.delimiter
            )
            if position <= already_done:
                if row.email and not row.error:
                    seen.setdefault(row.email, line)
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _import_batch(lead_list, batch, seen, accounts)
                batch = []
        if batch:
            _import_batch(lead_list, batch, seen, accounts)
    except (OSError, importing.ImportFileError) as error:
        LeadList.objects.filter(pk=lead_list.pk).update(
            status=LeadList.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        lead_list.refresh_from_db()
        return lead_list
    LeadList.objects.filter(pk=lead_list.pk).update(
        status=LeadList.Status.DONE,
        finished_at=timezone.now(),
        total_rows=F("processed_rows"),
    )
    lead_list.refresh_from_db()
    if lead_list.created_by_id:
        feedback_services.notification_send(
            recipient=lead_list.created_by,
            kind="lead_import_done",
            text=(
                f"“{lead_list.name}” imported: {lead_list.imported_count} leads, "
                f"{lead_list.duplicate_count} duplicates, {lead_list.rejected_count} rejected."
            ),
            url=reverse("leads:import_detail", args=[lead_list.pk]),
            dedupe_key=f"import-done:{lead_list.pk}",
        )
    return lead_list


def _account_ids(rows, cache: dict[str, int]) -> None:
    wanted = {}
    for row in rows:
        company = row.values.get("company", "")
        key = Account.normalize(company)
        if key and key not in cache:
            wanted[key] = row
    if not wanted:
        return
    for key, pk in Account.objects.filter(normalized_name__in=wanted).values_list(
        "normalized_name", "pk"
    ):
        cache[key] = pk
    missing = [
        Account(
            name=" ".join(row.values["company"].split()),
            normalized_name=key,
            domain=row.values.get("domain", ""),
            industry=row.values.get("industry", ""),
        )
        for key, row in wanted.items()
        if key not in cache
    ]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        for key, pk in Account.objects.filter(
            normalized_name__in=[a.normalized_name for a in missing]
        ).values_list("normalized_name", "pk"):
            cache[key] = pk


def _import_batch(lead_list: LeadList, batch, seen: dict[str, int], accounts: dict) -> None:
    with transaction.atomic():
        emails = {row.email for row in batch if row.email and not row.error}
        existing = set(Lead.objects.filter(email__in=emails).values_list("email", flat=True))
        rejections, good = [], []
        for row in batch:
            if row.error:
                rejections.append(
                    _rejection(lead_list, row, ImportRejection.Kind.INVALID, row.error)
                )
            elif row.email in seen:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        f"Same email as line {seen[row.email]} of this file.",
                    )
                )
            elif row.email in existing:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        "A lead with this email already exists.",
                    )
                )
            else:
                seen[row.email] = row.line
                good.append(row)
        _account_ids(good, accounts)
        now = timezone.now()
        leads = [
            Lead(
                email=row.email,
                first_name=row.values.get("first_name", ""),
                last_name=row.values.get("last_name", ""),
                phone=row.values.get("phone", ""),
                title=row.values.get("title", ""),
                source=row.values.get("source") or lead_list.source,
                account_id=accounts.get(Account.normalize(row.values.get("company", ""))),
                persona_id=lead_list.persona_id,
                lead_list_id=lead_list.pk,
                created_at=now,
            )
            for row in good
        ]
        created = _create_leads(leads, good, rejections, lead_list)
        ImportRejection.objects.bulk_create(rejections)
        duplicates = sum(1 for r in rejections if r.kind == ImportRejection.Kind.DUPLICATE)
        LeadList.objects.filter(pk=lead_list.pk).update(
            processed_rows=F("processed_rows") + len(batch),
            imported_count=F("imported_count") + created,
            duplicate_count=F("duplicate_count") + duplicates,
            rejected_count=F("rejected_count") + len(rejections) - duplicates,
        )


def _create_leads(leads, rows, rejections, lead_list) -> int:
    """bulk_create; if a concurrent import or entry took one of the emails meanwhile,
    fall back to one insert per lead so only that row is reported as a duplicate."""
    try:
        with transaction.atomic():
            Lead.objects.bulk_create(leads)
        return len(leads)
    except IntegrityError:
        created = 0
        for lead, row in zip(leads, rows, strict=True):
            try:
                with transaction.atomic():
                    lead.save()
                created += 1
            except IntegrityError:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        "A lead with this email already exists.",
                    )
                )
        return created


def _rejection(lead_list, row, kind, reason) -> ImportRejection:
    return ImportRejection(
        lead_list=lead_list,
        line_number=row.line,
        kind=kind,
        reason=reason[:300],
        email=row.email[:254] if row.email else str(row.values.get("email", ""))[:254],
        raw=row.raw,
    )


def lead_import_file(*, path, user=None, name: str = "", source: str = "", persona=None):
    """The shell's import (manage.py import_leads): same reading and report as the web,
    run in this process. Raises ImportFileError when the file cannot be read at all."""
    from django.core.files import File

    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(0)
        if size == 0:
            raise importing.ImportFileError("The file is empty.")
        filename = str(path).rsplit("/", 1)[-1]
        with transaction.atomic():
            lead_list = LeadList(
                name=name or filename,
                source=source or f"Import: {filename}",
                persona=persona,
                original_filename=filename,
                file_size=size,
                created_by=user,
            )
            lead_list.file.save(filename, File(handle), save=False)
            try:
                analysis = importing.analyse_file(default_storage.path(lead_list.file.name))
            except importing.ImportFileError:
                lead_list.file.delete(save=False)
                raise
            mapping = importing.guess_mapping(analysis.header)
            missing = importing.missing_required(mapping)
            if missing:
                lead_list.file.delete(save=False)
                raise importing.ImportFileError(
                    f"No {', '.join(missing)} column found. The header has: "
                    f"{', '.join(analysis.header)}."
                )
            lead_list.encoding = analysis.encoding
            lead_list.delimiter = analysis.delimiter
            lead_list.header = analysis.header
            lead_list.total_rows = analysis.row_count
            lead_list.mapping = mapping
            lead_list.status = LeadList.Status.QUEUED
            lead_list.save()
    return lead_import_run(lead_list_id=lead_list.pk)
