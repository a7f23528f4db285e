"""Marketing handing leads to sales, and a salesperson accepting them.

A lead reaches sales with a play, addressed to a named salesperson, to the next person of
a team in turn (round-robin, within each person's open-lead cap), or offered to a whole
team where the first to accept takes it. Handing off checks the lead against the
agreement's qualification and starts the SLA's first-touch clock; past the team's
capacity it waits in the backlog until backlog_release hands it on.
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
from smarketing.events import publish

from ..models import Handoff, Lead, Play, PlayStep, Team, TeamMembership
from ..policies import AgreementPolicy, HandoffPolicy, LeadPolicy, MarketingPolicy
from .agreement import terms_in_force
from .capacity import team_capacity
from .recommend import play_recommendation
from .sla import _next_step_due, handoff_clock_changed, sla_policy_for


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
    override_reason: str = "",
) -> list[Handoff]:
    """Marketing hands one or many leads to sales, with a play.

    Three ways to choose the salesperson:
    - `to_user`: a named salesperson;
    - `team` + `round_robin`: each lead to the next person of the team in turn, skipping
      those over their TeamMembership.open_lead_cap;
    - `team` alone: offered to the whole team; the first salesperson to accept takes it
      (see handoff_accept).

    Under the agreement in force (leads.services.agreement):
    - each lead must meet its qualification: a lead that misses something is refused
      with what it misses, unless `override_reason` is given by a role the agreement
      names, and then the override and its reason are recorded on the handoff;
    - the first-touch clock of the lead source's SLA starts now;
    - the team takes what its capacity allows now (leads.services.capacity); the rest
      wait in its backlog, oldest first, and are handed on by backlog_release.
    Handing off qualifies a lead that was not yet an MQL, and records the play
    recommended for it (leads.recommend) beside the play chosen.
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
        .select_related("account", "persona")
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
    waiting = Handoff.objects.filter(
        lead_id__in=ids, status__in=[Handoff.Status.PENDING, Handoff.Status.QUEUED]
    )
    if waiting.exists():
        raise ValidationError(
            "Some of the chosen leads are already waiting for acceptance or for sales capacity."
        )

    version, terms = terms_in_force()
    override_reason = (override_reason or "").strip()
    limit = Handoff._meta.get_field("override_reason").max_length
    if len(override_reason) > limit:
        raise ValidationError({"override_reason": f"At most {limit} characters."})
    gaps = {lead.pk: terms.qualification_gaps(lead) for lead in locked}
    short = [lead for lead in locked if gaps[lead.pk]]
    if short and not override_reason:
        named = "; ".join(f"{lead}: {', '.join(gaps[lead.pk])}" for lead in short[:5])
        more = f" and {len(short) - 5} more" if len(short) > 5 else ""
        label = f"agreement v{version.number}" if version else "the agreement"
        raise ValidationError(
            {
                "override_reason": (
                    f"{len(short)} of the chosen leads do not qualify under {label}, "
                    f"missing {named}{more}. Complete them, or override with a reason."
                )
            }
        )
    if short:
        AgreementPolicy(user).can_override_qualification(terms).require()

    now = timezone.now()
    if team is not None:
        # Capacity and the round-robin are decided under the team's row lock.
        team = Team.objects.select_for_update().get(pk=team.pk)
        capacity = team_capacity(team, terms=terms, now=now)
        room = capacity.room_now
        if room is not None and capacity.backlog:
            room = 0  # a new hand-off never jumps the backlog
    else:
        room = None
    delivered = locked if room is None else locked[:room]
    queued = [] if room is None else locked[room:]

    if to_user is not None:
        recipients = [to_user] * len(delivered)
    elif round_robin and delivered:
        recipients = _round_robin(team, len(delivered))
    else:
        recipients = [None] * len(delivered)

    rows_by_persona: dict = {}
    handoffs = []
    for lead in locked:
        lead.status = Lead.Status.MQL
        lead.qualified_at = lead.qualified_at or now
        lead.play = play
        handoffs.append(
            Handoff(
                lead=lead,
                from_user=user,
                to_user=to_user,
                team=team,
                play=play,
                note=note,
                handed_off_at=now,
                round_robin=round_robin,
                agreement=version,
                override_reason=override_reason if gaps[lead.pk] else "",
                overridden_by=user if gaps[lead.pk] else None,
                recommended_play_id=play_recommendation(lead, rows_by_persona).play_id,
            )
        )
    by_lead = {h.lead.pk: h for h in handoffs}
    for lead in queued:
        by_lead[lead.pk].status = Handoff.Status.QUEUED
        by_lead[lead.pk].queued_at = now
        lead.owner = None
        lead.handed_off_at = None
        lead.first_touch_due_at = None if lead.first_touch_at is None else lead.first_touch_due_at
        lead.next_step_due_at = None
    _start_clocks(delivered, recipients, [by_lead[lead.pk] for lead in delivered], terms, now)
    Lead.objects.bulk_update(locked, HANDOFF_LEAD_FIELDS)
    Handoff.objects.bulk_create(handoffs)
    handoff_clock_changed.send(sender=Handoff, lead_ids=[lead.pk for lead in locked])
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
                    "agreement": version.number if version else None,
                    **({"override": handoff.override_reason} if handoff.override_reason else {}),
                    **({"backlog": True} if handoff.status == Handoff.Status.QUEUED else {}),
                },
            )
            for handoff in handoffs
        ],
    )

    for handoff in handoffs:
        publish(
            "lead.handed_off",
            {
                "lead": handoff.lead.pk,
                "email": handoff.lead.email,
                "to": handoff.to_user.get_username() if handoff.to_user else None,
                "team": str(team) if team else None,
                "play": play.pk if play else None,
                "handed_off_at": now,
                # Past the team's capacity it waits in the backlog until released.
                "queued": handoff.status == Handoff.Status.QUEUED,
            },
        )
    if delivered:
        _notify_handoff(delivered, recipients, team, user, now)
    return handoffs


HANDOFF_LEAD_FIELDS = [
    "status",
    "qualified_at",
    "owner",
    "play",
    "handed_off_at",
    "accepted_at",
    "first_touch_due_at",
    "next_step_due_at",
]


def _start_clocks(leads, recipients, handoffs, terms, now) -> None:
    """The leads reach sales now: owner, first-touch deadline, the play from its start."""
    steps_by_play: dict = {}
    for lead, recipient, handoff in zip(leads, recipients, handoffs, strict=True):
        handoff.to_user = recipient
        handoff.handed_off_at = now
        handoff.status = Handoff.Status.PENDING
        lead.owner = recipient
        lead.handed_off_at = now
        lead.accepted_at = None
        if lead.first_touch_at is None:
            hours = sla_policy_for(lead.source, terms).hours_to_first_touch
            lead.first_touch_due_at = now + timedelta(hours=hours)
        if lead.play_id:
            if lead.play_id not in steps_by_play:
                steps_by_play[lead.play_id] = list(PlayStep.objects.filter(play_id=lead.play_id))
            # A new handoff starts the play over: no step is done yet.
            lead.next_step_due_at = _next_step_due(
                lead, steps=steps_by_play[lead.play_id], done=set()
            )
        else:
            lead.next_step_due_at = None


@transaction.atomic
def backlog_release(*, team: Team | None = None, now=None) -> int:
    """Hand on the backlog's oldest hand-offs as far as each team's room allows now.
    Returns how many were released. Safe to run twice or concurrently: each team is
    decided under its row lock, and a released hand-off is no longer QUEUED."""
    now = now or timezone.now()
    team_ids = (
        [team.pk]
        if team is not None
        else list(
            Handoff.objects.filter(status=Handoff.Status.QUEUED)
            .values_list("team_id", flat=True)
            .distinct()
        )
    )
    released = 0
    _, terms = terms_in_force()
    for team in Team.objects.select_for_update().filter(pk__in=team_ids).order_by("pk"):
        room = team_capacity(team, terms=terms, now=now).room_now
        queued = (
            Handoff.objects.filter(team=team, status=Handoff.Status.QUEUED)
            .select_related("to_user", "from_user")
            .order_by("queued_at", "pk")
        )
        batch = list(queued if room is None else queued[:room])
        if not batch:
            continue
        try:
            with transaction.atomic():
                released += _release(team, batch, terms, now)
        except ValidationError:
            # Everyone on the team is at their own open-lead cap: the hand-offs keep
            # waiting, and the next run tries again.
            continue
    return released


BACKLOG_KEY = "leads.backlog-release"


def backlog_release_soon() -> None:
    """After this transaction commits, release what the backlog can: a lead closed or
    disqualified frees room. Coalesced: a burst of closes runs one release."""
    from smarketing import outbox

    from ..tasks import backlog_release_task

    if Handoff.objects.filter(status=Handoff.Status.QUEUED).exists():
        outbox.enqueue_once(BACKLOG_KEY, backlog_release_task)


def _release(team, batch, terms, now) -> int:
    leads = list(
        Lead.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=[h.lead_id for h in batch])
    )
    by_pk = {lead.pk: lead for lead in leads}
    leads = [by_pk[h.lead_id] for h in batch]
    needs_turn = [h for h in batch if not h.to_user_id and h.round_robin]
    turns = iter(_round_robin(team, len(needs_turn)) if needs_turn else [])
    recipients = [
        h.to_user if h.to_user_id else (next(turns) if h.round_robin else None) for h in batch
    ]
    _start_clocks(leads, recipients, batch, terms, now)
    Lead.objects.bulk_update(leads, HANDOFF_LEAD_FIELDS)
    Handoff.objects.bulk_update(batch, ["to_user", "handed_off_at", "status"])
    handoff_clock_changed.send(sender=Handoff, lead_ids=[lead.pk for lead in leads])
    by_sender: dict = {}
    for handoff, lead, recipient in zip(batch, leads, recipients, strict=True):
        by_sender.setdefault(handoff.from_user_id, []).append((handoff, lead, recipient))
    for rows in by_sender.values():
        sender = rows[0][0].from_user
        if sender is not None:
            _notify_handoff([r[1] for r in rows], [r[2] for r in rows], team, sender, now)
    return len(batch)


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
