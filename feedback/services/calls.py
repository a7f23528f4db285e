"""Logging a conversation: the salesperson's side of the virtual conversation."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads import services as lead_services
from leads.models import Attempt, Lead
from messaging.models import MessageVersion
from messaging.policies import VersionPolicy

from ..changes import changes_for
from ..models import CallLog, PassageEdit
from ..policies import CallLogPolicy
from .engine import engine_enqueue
from .objections import objection_tags_resolve


def passage_edits_for(*, version: MessageVersion, edited_body: str) -> list[PassageEdit]:
    """The changes a call's wording made to the version, one PassageEdit each, unsaved.

    feedback.changes decides what changed (a span of a passage replaced, a passage
    rewritten or left out, a paragraph added after one), on the version's stored
    passages, so "passage 3 of v4" means the same thing in a call as in the version
    history, and a span's offsets point at exactly the words the rep replaced.
    """
    changes = changes_for(list(version.passages.all()), edited_body)
    return [
        PassageEdit(
            version=version,
            kind=change.kind,
            passage_key=change.passage_key or "",
            after_key=change.after_key or "",
            span_start=change.span_start,
            span_end=change.span_end,
            sentence=change.sentence if change.kind == PassageEdit.Kind.REPLACE else None,
            original_text=change.original,
            edited_text=change.replacement,
        )
        for change in changes
    ]


@transaction.atomic
def call_log_create(
    *,
    user,
    lead: Lead,
    version: MessageVersion,
    reaction: int,
    outcome: str,
    edited_body: str,
    channel: str = "call",
    occurred_at=None,
    objections=(),
    new_objection_names=(),
    quote: str = "",
    quote_passage_key: str = "",
    notes: str = "",
) -> CallLog:
    """Log a conversation: also an attempt on the lead (so the SLA sees the touch), the
    edited wording stored whole and as its changes (one PassageEdit each), the engine
    enqueued on commit (once per version while its task has not started: engine_enqueue)."""
    CallLogPolicy(user).can_log_on(lead).require()
    usable = VersionPolicy(user, version).can_be_used_in_calls()
    if not usable:
        raise ValidationError({"version": usable.reason})
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A call cannot be logged in the future."})
    if quote_passage_key and not version.passages.filter(key=quote_passage_key).exists():
        raise ValidationError({"quote_passage_key": "That passage is not in this version."})
    attempt = lead_services.attempt_log(
        lead=lead,
        user=user,
        channel=channel,
        outcome=(
            Attempt.Outcome.MEETING_BOOKED
            if outcome == CallLog.Outcome.MEETING_BOOKED
            else Attempt.Outcome.CONNECTED
        ),
        note=f"Conversation logged: {CallLog.Outcome(outcome).label}",
        occurred_at=occurred_at,
    )
    edits = passage_edits_for(version=version, edited_body=edited_body)
    call_log = CallLog(
        lead=lead,
        salesperson=user,
        version=version,
        attempt=attempt,
        channel=channel,
        occurred_at=occurred_at,
        reaction=reaction,
        quote=quote.strip(),
        quote_passage_key=quote_passage_key,
        outcome=outcome,
        notes=notes.strip(),
        edited_body=edited_body,
        has_edits=bool(edits),
    )
    call_log.full_clean(exclude=["lead", "salesperson", "version", "attempt"])
    call_log.save()
    tags = list(objections) + objection_tags_resolve(names=list(new_objection_names), user=user)
    call_log.objections.set(tags)
    for edit in edits:
        edit.call_log = call_log
    PassageEdit.objects.bulk_create(edits)

    engine_enqueue(version_id=version.pk)
    return call_log
