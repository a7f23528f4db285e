"""Marketing handing leads to sales, and a salesperson accepting them.

A lead reaches sales with a play, addressed to a named salesperson, to the next person of
a team in turn (round-robin, within each person's open-lead cap), or offered to a whole
team where the first to accept takes it. Handing off starts the SLA's first-touch clock.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_send
from smarketing import roles
from smarketing.audit import audit_record, audit_record_many

from ..models import Handoff, Lead, Play, Team, TeamMembership
from ..policies import HandoffPolicy, LeadPolicy, MarketingPolicy
from .sla import _next_step_due, sla_policies, sla_policy_for


class HandoffAlreadyTaken(ValidationError):
    """Someone else accepted the handoff first."""


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
    MarketingPolicy(user).can_handoff().require()
    if len(note or "") > Handoff.NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {Handoff.NOTE_MAX} characters."})
    if play is not None and not play.is_active:
        raise ValidationError("That play is archived; choose an active play.")
    if to_user is not None:
        if roles.SALES not in roles.roles_of(to_user):
            name = to_user.get_full_name() or to_user.get_username()
            raise ValidationError(f"{name} is not a salesperson.")
        team = getattr(getattr(to_user, "team_membership", None), "team", None)
    elif team is None:
        raise ValidationError("Choose a salesperson or a team.")

    ids = [lead.pk for lead in leads]
    locked = list(
        Lead.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if not locked:
        raise ValidationError("Choose at least one lead.")
    blocked = [lead for lead in locked if not LeadPolicy(user, lead).lead_allows_handoff()]
    if blocked:
        names = ", ".join(str(lead) for lead in blocked[:5])
        raise ValidationError(
            f"{len(blocked)} of the chosen leads are already with sales or closed ({names}); "
            "a sales manager can reassign them."
        )
    # LeadPolicy.handoff_not_pending for the whole batch in one query.
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
        # A new handoff starts the play over: no step is done yet.
        lead.next_step_due_at = _next_step_due(lead, steps=steps, done=set()) if play else None
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

    _notify_handoff(locked, recipients, team, user, now)
    return handoffs


def leads_named(leads, shown: int = 2) -> str:
    """'Ann Lee (Acme), Bo Chen (Initech) and 1 more': which leads, in a sentence."""
    names = [f"{lead} ({lead.account})" if lead.account_id else str(lead) for lead in leads]
    if len(names) <= shown + 1:
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def _notify_handoff(leads, recipients, team, user, now) -> None:
    """Tell each salesperson which leads they were handed (or their team was offered),
    by name: "3 leads" makes nobody open the queue."""
    queue_url = reverse("leads:queue")
    stamp = now.strftime("%Y%m%d%H%M%S%f")
    sender = user.get_full_name() or user.get_username()
    per_person: dict = {}
    for lead, recipient in zip(leads, recipients, strict=True):
        if recipient is not None:
            per_person.setdefault(recipient, []).append(lead)
    offered = []
    if not per_person and team is not None:
        offered = list(leads)
        for membership in team.memberships.select_related("user"):
            per_person[membership.user] = []
    for person, theirs in per_person.items():
        if theirs:
            n = len(theirs)
            text = f"{sender} handed you {n} lead{'s' if n != 1 else ''}: {leads_named(theirs)}."
        else:
            n = len(offered)
            text = (
                f"{sender} offered {team} {n} lead{'s' if n != 1 else ''}: "
                f"{leads_named(offered)}. First to accept takes it."
            )
        notification_send(
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
    HandoffPolicy(user, handoff).actor_can_accept().require()
    handoff = Handoff.objects.select_related("accepted_by").get(pk=handoff.pk)
    # Before who it was addressed to: the loser of a race is told who won, and
    # pressing Accept twice is harmless.
    if handoff.status != Handoff.Status.PENDING:
        _raise_taken(handoff, user)
        return handoff
    HandoffPolicy(user, handoff).addressed_to_user().require()
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
    audit_record(
        actor=user,
        action="handoff.accept",
        target=handoff,
        after={"lead": handoff.lead_id, "owner": user.get_username()},
    )
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
