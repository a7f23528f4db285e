"""Plays: what marketing hands sales with a lead, written by marketers outside the admin.

A play is its details (name, description, the persona it suits, the funnel stage) and its
ordered steps (day offset, channel, message, instruction). The editor sends the whole
list of steps each time, so a save replaces them: positions are then simply the order
the marketer chose, with no gaps and no clash on the (play, position) constraint.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from smarketing.audit import audit_record

from ..models import Play, PlayStep
from ..policies import PlayPolicy

PLAY_FIELDS = ("name", "description", "persona", "stage")
STEP_FIELDS = ("day_offset", "channel", "message", "instruction")


def _snapshot(play: Play) -> dict:
    """What the audit keeps of a play: its details and its steps, in order."""
    return {
        "name": play.name,
        "description": play.description,
        "persona": play.persona_id,
        "stage": play.stage,
        "is_active": play.is_active,
        "steps": [
            {
                "day_offset": step.day_offset,
                "channel": step.channel,
                "message": step.message_id,
                "instruction": step.instruction,
            }
            for step in play.steps.order_by("position")
        ],
    }


def _steps_replace(play: Play, steps: list[dict]) -> None:
    """Validate every step before writing any, so one bad step leaves the play as it was
    and the error names the step the marketer can fix."""
    rows = []
    for index, data in enumerate(steps):
        step = PlayStep(play=play, position=index, **{k: data.get(k) for k in STEP_FIELDS})
        if step.instruction is None:
            step.instruction = ""
        try:
            step.full_clean(exclude=["play"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                [f"Step {index + 1}: {message}" for message in error.messages]
            ) from error
        rows.append(step)
    play.steps.all().delete()
    PlayStep.objects.bulk_create(rows)


@transaction.atomic
def play_create(*, user, name, description="", persona=None, stage=None, steps=()) -> Play:
    """A marketer writes a new play; it is offered on the hand-off form at once."""
    PlayPolicy(user).can_edit().require()
    play = Play(name=name, description=description, persona=persona, created_by=user)
    if stage:
        play.stage = stage
    play.full_clean()
    play.save()
    _steps_replace(play, list(steps))
    audit_record(actor=user, action="play.create", target=play, after=_snapshot(play))
    return play


@transaction.atomic
def play_update(*, play: Play, user, steps, **fields) -> Play:
    """Change a play's details and steps. Leads already handed off with it follow the
    new steps: a play is read when its lead is shown, not copied onto the lead."""
    PlayPolicy(user, play).can_edit().require()
    play = Play.objects.select_for_update().get(pk=play.pk)
    before = _snapshot(play)
    for field in PLAY_FIELDS:
        if field in fields:
            setattr(play, field, fields[field])
    play.full_clean()
    play.save()
    _steps_replace(play, list(steps))
    audit_record(
        actor=user, action="play.update", target=play, before=before, after=_snapshot(play)
    )
    return play


@transaction.atomic
def play_archive(*, play: Play, user, archived: bool = True) -> Play:
    """Archive a play (no longer offered at hand-off; leads that have it keep it), or
    bring an archived one back."""
    PlayPolicy(user, play).can_edit().require()
    play = Play.objects.select_for_update().get(pk=play.pk)
    if play.is_active == (not archived):
        return play
    play.is_active = not archived
    play.save(update_fields=["is_active"])
    audit_record(
        actor=user,
        action="play.archive" if archived else "play.restore",
        target=play,
        before={"is_active": archived},
        after={"is_active": not archived},
    )
    return play


@transaction.atomic
def play_delete(*, play: Play, user) -> None:
    """Delete a play no lead was ever handed off with (see PlayPolicy.can_delete)."""
    play = Play.objects.select_for_update().get(pk=play.pk)
    policy = PlayPolicy(user, play)
    policy.can_edit().require()
    policy.play_allows_delete().require_valid()
    audit_record(actor=user, action="play.delete", target=play, before=_snapshot(play))
    play.delete()
