"""Working a lead once sales has it: attempts, disqualifying, reassigning, and marketing
taking a lead back (recycling). Who may do each, and when, is leads.policies.LeadPolicy;
these functions call it before they act."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_send
from smarketing import roles
from smarketing.audit import audit_record
from smarketing.events import publish
from smarketing.idempotency import once

from ..models import (
    Attempt,
    DisqualificationReason,
    Handoff,
    Lead,
    Opportunity,
    SlaBreach,
    TeamMembership,
)
from ..policies import LeadPolicy, role_decision
from .agreement import agreement_in_force, terms_in_force
from .attention import disqualification_burst_notify
from .handoff import backlog_release_soon
from .sla import (
    _next_step_due,
    done_step_ids,
    handoff_clock_changed,
    sla_policy_for,
    step_fulfilled_by,
)


@transaction.atomic
def attempt_log(
    *,
    lead: Lead,
    user,
    channel: str,
    outcome: str,
    note: str = "",
    occurred_at=None,
    idempotency_key: str = "",
) -> Attempt:
    """The owner logs one try to reach the lead. The first attempt is the first touch
    that the SLA measures; an attempt that fulfils a play step completes it and moves
    the next step's due date.

    `idempotency_key` (the form's per-render token) makes a double submit log one
    attempt: the second post gets the first attempt back. It is optional: a call log
    logs its attempt through here under its own key."""
    # The role before the row lock: someone who may never do this takes no lock. The
    # rest of the policy reads the locked row, so a concurrent change cannot slip by.
    role_decision(user, roles.SALES).require()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("play").get(pk=lead.pk)
    policy = LeadPolicy(user, lead)
    policy.actor_can_log_attempt().require()

    def create() -> Attempt:
        return _attempt_create(
            lead=lead,
            user=user,
            policy=policy,
            channel=channel,
            outcome=outcome,
            note=note,
            occurred_at=occurred_at,
        )

    attempt, _created = once(
        scope="leads.attempt",
        key=idempotency_key,
        user=user,
        create=create,
        load=lambda pk: Attempt.objects.get(pk=pk),
    )
    return attempt


def _attempt_create(*, lead, user, policy, channel, outcome, note, occurred_at) -> Attempt:
    policy.lead_allows_log_attempt().require_valid()
    now = timezone.now()
    occurred_at = occurred_at or now
    dated = policy.can_date_attempt(occurred_at, channel=channel, now=now)
    if not dated:
        raise ValidationError({"occurred_at": dated.reason})
    steps = list(lead.play.steps.all()) if lead.play_id else []
    done = done_step_ids(lead)
    step = step_fulfilled_by(steps, done, channel=channel, outcome=outcome)
    attempt = Attempt(
        lead=lead,
        salesperson=user,
        channel=channel,
        outcome=outcome,
        note=note,
        occurred_at=occurred_at,
        created_at=now,
        play_step=step,
    )
    attempt.full_clean()
    attempt.save()
    if step is not None:
        done.add(step.pk)
    lead.attempt_count += 1
    # The earliest attempt is the first touch, whatever order the attempts are logged in.
    lead.first_touch_at = min(lead.first_touch_at or occurred_at, occurred_at)
    lead.last_touch_at = max(lead.last_touch_at or occurred_at, occurred_at)
    lead.next_step_due_at = _next_step_due(lead, steps=steps, done=done)
    lead.save(
        update_fields=["attempt_count", "first_touch_at", "last_touch_at", "next_step_due_at"]
    )
    # A late attempt resolves the open breach; one dated before the deadline (a call logged
    # after the scan ran) proves the breach was a false alarm, and resolves it at the call's
    # time, which the figures read as "not a breach" (docs/figures.md).
    SlaBreach.objects.filter(lead=lead, resolved_at__isnull=True).update(resolved_at=occurred_at)
    handoff_clock_changed.send(sender=Attempt, lead_ids=[lead.pk])
    return attempt


@transaction.atomic
def lead_disqualify(*, lead: Lead, user, reason: DisqualificationReason, note: str) -> Lead:
    """Let a lead go, with a reason marketing can act on.

    Allowed for the owner (or their manager) only once the lead's SLA minimum of attempts
    is logged (see leads.policies.disqualify_check), with an active reason and a note in
    words: "no budget" alone does not tell marketing which vendor list to stop buying.
    """
    role_decision(user, roles.SALES, roles.SALES_MANAGER).require()
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    policy = LeadPolicy(user, lead)
    policy.actor_can_disqualify().require()
    policy.lead_allows_disqualify().require_valid()
    errors = {}
    version, terms = terms_in_force()
    if reason is None or not reason.is_active:
        errors["reason"] = "Choose a reason."
    elif not terms.allows_reason(reason.name):
        allowed = ", ".join(terms.disqualification_reasons)
        errors["reason"] = f"The agreement allows these reasons only: {allowed}."
    if not (note or "").strip():
        errors["note"] = "Say in a sentence why: marketing reads these notes."
    elif len(note) > Lead.NOTE_MAX:
        errors["note"] = f"Keep the note under {Lead.NOTE_MAX} characters (it has {len(note)})."
    if errors:
        raise ValidationError(errors)
    # After the input, so that a form without a reason says so even while locked.
    policy.sla_policies = terms
    policy.attempts_allow_disqualify().require_valid()
    now = timezone.now()
    audit_record(
        actor=user,
        action="lead.disqualify",
        target=lead,
        before={"status": lead.status},
        after={
            "status": Lead.Status.DISQUALIFIED,
            "reason": reason.name,
            "note": note.strip(),
            "agreement": version.number if version else None,
        },
    )
    lead.status = Lead.Status.DISQUALIFIED
    lead.disqualification_reason = reason
    lead.disqualification_note = note.strip()
    lead.disqualified_at = now
    lead.disqualified_under = version
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.save(
        update_fields=[
            "status",
            "disqualification_reason",
            "disqualification_note",
            "disqualified_at",
            "disqualified_under",
            "closed_at",
            "next_step_due_at",
        ]
    )
    Handoff.objects.filter(
        lead=lead, status__in=[Handoff.Status.PENDING, Handoff.Status.QUEUED]
    ).update(status=Handoff.Status.SUPERSEDED)
    publish(
        "lead.disqualified",
        {
            "lead": lead.pk,
            "email": lead.email,
            "reason": reason.name,
            "note": lead.disqualification_note,
            "disqualified_at": now,
            "by": user.get_username(),
        },
    )
    disqualification_burst_notify(lead=lead)
    backlog_release_soon()
    return lead


@transaction.atomic
def lead_recycle(*, lead: Lead, user) -> Lead:
    """Marketing takes a disqualified or lost lead back to nurture it; it may be
    qualified and handed off again later."""
    role_decision(user, roles.MARKETING).require()
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LeadPolicy(user, lead).lead_allows_recycle().require_valid()
    before = {"status": lead.status, "owner": lead.owner.get_username() if lead.owner else None}
    lead.status = Lead.Status.RECYCLED
    lead.owner = None
    lead.play = None
    lead.first_touch_due_at = None
    # A recycled lead starts over: its next handoff sets a new first-touch deadline.
    lead.first_touch_at = None
    lead.next_step_due_at = None
    lead.save(
        update_fields=[
            "status",
            "owner",
            "play",
            "first_touch_due_at",
            "first_touch_at",
            "next_step_due_at",
        ]
    )
    audit_record(
        actor=user,
        action="lead.recycle",
        target=lead,
        before=before,
        after={"status": lead.status, "owner": None},
    )
    return lead


@transaction.atomic
def lead_reassign(*, lead: Lead, user, to_user, note: str = "") -> Lead:
    """A sales manager moves an open lead to another salesperson of a team they manage.

    The old pending handoff is superseded and the move is recorded as a handoff. If the
    lead was never touched, the new owner gets a fresh first-touch deadline (the breach
    already recorded against the previous owner stays on record). The reason (`note`) is
    required: the salesperson who loses the lead is told it, and a lead taken away
    without a word reads as a reproach.
    """
    role_decision(user, roles.SALES_MANAGER).require()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)
    policy = LeadPolicy(user, lead)
    policy.actor_can_reassign().require()
    policy.lead_allows_reassign().require_valid()
    target = policy.can_reassign_to(to_user)
    if not target:
        raise ValidationError({"to_user": target.reason})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why: the salesperson losing the lead is told."})
    previous = lead.owner
    membership = TeamMembership.objects.select_related("team").get(user=to_user)
    now = timezone.now()
    pending = Handoff.objects.filter(lead=lead, status=Handoff.Status.PENDING).first()
    # A hand-off still in the capacity backlog is superseded too: the manager placed it.
    Handoff.objects.filter(
        lead=lead, status__in=[Handoff.Status.PENDING, Handoff.Status.QUEUED]
    ).update(status=Handoff.Status.SUPERSEDED)
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
        agreement=agreement_in_force(),
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
    manager = user.get_full_name() or user.get_username()
    notification_send(
        recipient=to_user,
        kind="lead_reassigned",
        text=f"{manager} gave you the lead {lead}: {note}",
        url=reverse("leads:detail", args=[lead.pk]),
        dedupe_key=f"reassign:{lead.pk}:{now.isoformat()}",
    )
    if previous is not None and previous.pk != to_user.pk:
        new_owner = to_user.get_full_name() or to_user.get_username()
        notification_send(
            recipient=previous,
            kind="lead_reassigned_away",
            text=f"{manager} gave your lead {lead} to {new_owner}: {note}",
            # The lead is no longer theirs to open: the queue is where they work.
            url=reverse("leads:queue"),
            dedupe_key=f"reassign-away:{lead.pk}:{now.isoformat()}",
        )
    return lead
