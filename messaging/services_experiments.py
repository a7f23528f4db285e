"""The writes of field experiments: start one (the draft goes live as the challenger
beside the live version), end one (the winner stays live, the other is retired).

"One live version, or one running experiment": while an experiment runs its message has
two live versions, the control (Message.live_version) and the challenger (status live,
`challenger` set); the database allows exactly that pair (the constraints on
MessageVersion and Experiment), and VersionPolicy refuses a publish or a retire until the
experiment ends. The arithmetic (arms, sample size) is messaging.arms; the readout is in
insight, which counts calls and wins per arm.
"""

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from smarketing.audit import audit_record

from .arms import sample_size_per_arm
from .models import Experiment, Message, MessageVersion
from .policies import MessagePolicy, VersionPolicy
from .services import version_published


def _lock_message(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


@transaction.atomic
def experiment_start(
    *,
    message: Message,
    user,
    ends_on: date,
    baseline_rate: float,
    min_effect: float,
    change_summary: str,
    seed: int | None = None,
) -> Experiment:
    """Put the message's draft live as the challenger against the live version.

    The plan is fixed here, before any call is counted: the calls per arm needed to see
    `min_effect` over `baseline_rate` (messaging.arms.sample_size_per_arm) and the end
    date. A random seed (or the one given, for tests) drives the assignment of leads.
    """
    MessagePolicy(user, message).role().require()
    summary = (change_summary or "").strip()
    if not summary:
        raise ValidationError({"change_summary": "Say what the challenger changes and why."})
    if ends_on <= timezone.localdate():
        raise ValidationError({"ends_on": "The planned end must be after today."})
    try:
        planned = sample_size_per_arm(baseline=baseline_rate, min_effect=min_effect)
    except ValueError as exc:
        raise ValidationError({"min_effect": str(exc)}) from None
    message = _lock_message(message)
    draft = (
        MessageVersion.objects.select_for_update()
        .filter(message=message, status=MessageVersion.Status.DRAFT)
        .first()
    )
    if draft is None:
        raise ValidationError("Write the challenger as a draft first.")
    VersionPolicy(user, draft).can_start_experiment().require_valid()
    now = timezone.now()
    draft.status = MessageVersion.Status.LIVE
    draft.challenger = True
    draft.published_at = now
    draft.published_by = user
    draft.change_summary = summary[:300]
    draft.full_clean(exclude=["message", "author"])
    draft.save()
    experiment = Experiment(
        message=message,
        control=message.live_version,
        challenger=draft,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        baseline_rate=baseline_rate,
        min_effect=min_effect,
        planned_calls_per_arm=planned,
        starts_at=now,
        ends_on=ends_on,
        started_by=user,
    )
    experiment.full_clean()
    experiment.save()
    message.save(update_fields=["updated_at"])
    audit_record(
        actor=user,
        action="experiment.start",
        target=experiment,
        after={
            "control": f"v{experiment.control.number}",
            "challenger": f"v{draft.number}",
            "planned_calls_per_arm": planned,
            "ends_on": ends_on,
            "min_effect": min_effect,
            "baseline_rate": baseline_rate,
        },
    )
    return experiment


@transaction.atomic
def experiment_end(*, experiment: Experiment, user, winner: MessageVersion) -> Experiment:
    """End a running experiment: `winner` (either arm) is the live version from now on,
    the other arm is retired. The readout's verdict is advice; the marketer decides."""
    MessagePolicy(user, experiment.message).role().require()
    message = _lock_message(experiment.message)
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if not locked.is_running:
        raise ValidationError("This experiment has already ended.")
    if winner.pk not in (locked.control_id, locked.challenger_id):
        raise ValidationError("The winner must be one of the experiment's two versions.")
    now = timezone.now()
    control = MessageVersion.objects.select_for_update().get(pk=locked.control_id)
    challenger = MessageVersion.objects.select_for_update().get(pk=locked.challenger_id)
    loser = challenger if winner.pk == control.pk else control
    # Retire the loser first: the challenger may become the one live version only once
    # the control no longer is (the one-live-version constraint is checked per row).
    loser.status = MessageVersion.Status.RETIRED
    loser.retired_at = now
    loser.challenger = False
    loser.save(update_fields=["status", "retired_at", "challenger", "updated_at"])
    if winner.pk == challenger.pk:
        challenger.challenger = False
        challenger.save(update_fields=["challenger", "updated_at"])
        message.live_version = challenger
        message.save(update_fields=["live_version", "updated_at"])
    locked.status = Experiment.Status.ENDED
    locked.ended_at = now
    locked.ended_by = user
    locked.winner_id = winner.pk
    locked.save(update_fields=["status", "ended_at", "ended_by", "winner"])
    audit_record(
        actor=user,
        action="experiment.end",
        target=locked,
        before={"live": [f"v{control.number}", f"v{challenger.number}"]},
        after={"live": f"v{winner.number}", "retired": f"v{loser.number}"},
    )
    if winner.pk == challenger.pk:
        # The challenger is now the live version: feedback tells the reps whose wording
        # it carries, as after any publish.
        version_published.send(sender=MessageVersion, version=challenger, previous=control)
    return locked
