"""Logging a conversation: the salesperson's side of the virtual conversation."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads import services as lead_services
from leads.models import Attempt, Lead
from messaging.merge import MergeConflict, apply_change
from messaging.models import MessageVersion
from messaging.policies import VersionPolicy
from smarketing.idempotency import once

from ..changes import changes_for
from ..models import CallLog, ChangeKind, PassageEdit
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
        PassageEdit(version=version, edited_text=change.replacement, **change.where())
        for change in changes
    ]


def wording_by_passage(*, version: MessageVersion, edited_body: str) -> dict[str, str]:
    """What was said in place of each passage of the version (its text when said as
    written, "" when left out; an added passage joins the one it follows), so a
    wording stored whole can be shown, and edited again, passage by passage."""
    passages = list(version.passages.all())
    said = {p.key: p.text for p in passages}
    first = next(iter(said), None)
    changes = changes_for(passages, edited_body)
    # Replaced spans right to left, so that each change's offsets stay valid.
    in_place = sorted(
        (c for c in changes if c.kind in (ChangeKind.REPLACE, ChangeKind.REWRITE)),
        key=lambda c: (c.span_start, c.span_end),
        reverse=True,
    )
    for change in in_place:
        if change.passage_key not in said:
            continue
        try:
            said.update(
                apply_change([(change.passage_key, said[change.passage_key])], None, change)
            )
        except MergeConflict:
            said[change.passage_key] = change.replacement
    for change in changes:
        if change.kind == ChangeKind.REMOVE and change.passage_key in said:
            said[change.passage_key] = ""
    for change in changes:
        if change.kind != ChangeKind.INSERT:
            continue
        if change.after_key in said:
            said[change.after_key] = f"{said[change.after_key]}\n\n{change.replacement}".strip()
        elif first is not None:
            said[first] = f"{change.replacement}\n\n{said[first]}".strip()
    return said


def passage_edits_of(*, version: MessageVersion | None, edited_body: str) -> list[PassageEdit]:
    """The edits of a call (unsaved): none when no message was used."""
    if version is None:
        return []
    return passage_edits_for(version=version, edited_body=edited_body)


def call_log_check(
    *, user, version: MessageVersion | None, occurred_at, quote_passage_key: str
) -> None:
    """The rules a call log must meet when logged and when corrected (validate before
    mutate): the version may be used in calls, the call is not in the future, and a
    quote is tied to a passage of the version used."""
    if version is not None:
        usable = VersionPolicy(user, version).can_be_used_in_calls()
        if not usable:
            raise ValidationError({"version": usable.reason})
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A call cannot be logged in the future."})
    if quote_passage_key and (
        version is None or not version.passages.filter(key=quote_passage_key).exists()
    ):
        raise ValidationError({"quote_passage_key": "That passage is not in this version."})


@transaction.atomic
def call_log_create(
    *,
    user,
    lead: Lead,
    version: MessageVersion | None = None,
    reaction: int,
    outcome: str,
    edited_body: str = "",
    channel: str = "call",
    occurred_at=None,
    objections=(),
    new_objection_names=(),
    quote: str = "",
    quote_passage_key: str = "",
    notes: str = "",
    idempotency_key: str = "",
) -> CallLog:
    """Log a conversation: also an attempt on the lead (so the SLA sees the touch), the
    edited wording stored whole and as its changes (one PassageEdit each), the engine
    enqueued on commit (once per version while its task has not started: engine_enqueue).

    `version` is None for a general call where no message was used: it still counts as
    an attempt, and is marked processed at once because the engine has nothing to count
    (no version's figures, no edits), so the engine's sweep never waits for it.

    `idempotency_key` is the form's per-render token (smarketing.idempotency): a double
    submit (two clicks, a retried post) returns the call the first post made, with one
    attempt, instead of logging the conversation twice.
    """
    CallLogPolicy(user).can_log_on(lead).require()
    occurred_at = occurred_at or timezone.now()
    call_log_check(
        user=user,
        version=version,
        occurred_at=occurred_at,
        quote_passage_key=quote_passage_key,
    )

    body = edited_body if version is not None else ""
    # Worked out before the lead's row is locked (attempt_log): pure, and the longest
    # part of a call with many passages, so concurrent calls on the lead wait less.
    edits = passage_edits_of(version=version, edited_body=body)

    def create() -> CallLog:
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
            edited_body=body,
            has_edits=bool(edits),
            processed_at=None if version is not None else timezone.now(),
        )
        call_log.full_clean(exclude=["lead", "salesperson", "version", "attempt"])
        call_log.save()
        tags = list(objections) + objection_tags_resolve(names=list(new_objection_names), user=user)
        if tags:  # a new call has none to replace
            call_log.objections.add(*tags)
        for edit in edits:
            edit.call_log = call_log
        PassageEdit.objects.bulk_create(edits)
        if version is not None:
            engine_enqueue(version_id=version.pk)
        return call_log

    call_log, _created = once(
        scope="call_log",
        key=idempotency_key,
        user=user,
        create=create,
        load=lambda pk: CallLog.objects.get(pk=pk),
    )
    return call_log
