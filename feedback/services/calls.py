"""Logging a conversation: the salesperson's side of the virtual conversation."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads import services as lead_services
from leads.models import Attempt, Lead
from messaging.models import MessageVersion
from messaging.passages import KeyedBlock, assign_keys, normalise, split_passages
from messaging.policies import VersionPolicy
from smarketing.idempotency import once

from ..models import CallLog, PassageEdit
from ..policies import CallLogPolicy
from .engine import engine_enqueue
from .objections import objection_tags_resolve


def passage_edits_for(*, version: MessageVersion, edited_body: str) -> list[PassageEdit]:
    """The per-passage differences between a version and the wording used in a call.

    The edited text is cut into passages and matched to the version's passages with the
    same rule as versions (messaging.passages), so "passage 3 of v4" means the same
    thing in a call as in the version history. Returned unsaved.
    """
    original = [KeyedBlock(p.key, p.kind, p.text) for p in version.passages.all()]
    edited = assign_keys(split_passages(edited_body), original)
    edited_by_key = {block.key: block for block in edited}
    original_keys = {block.key for block in original}
    edits = []
    for block in original:
        match = edited_by_key.get(block.key)
        if match is None:
            edits.append(
                PassageEdit(
                    version=version,
                    passage_key=block.key,
                    kind=PassageEdit.Kind.REMOVED,
                    original_text=block.text,
                )
            )
        elif normalise(match.text) != normalise(block.text):
            edits.append(
                PassageEdit(
                    version=version,
                    passage_key=block.key,
                    kind=PassageEdit.Kind.CHANGED,
                    original_text=block.text,
                    edited_text=match.text,
                )
            )
    previous_key = ""
    for block in edited:
        if block.key in original_keys:
            previous_key = block.key
            continue
        edits.append(
            PassageEdit(
                version=version,
                passage_key=previous_key,
                kind=PassageEdit.Kind.ADDED,
                edited_text=block.text,
            )
        )
    return edits


def wording_by_passage(*, version: MessageVersion, edited_body: str) -> dict[str, str]:
    """What was said in place of each passage of the version (its text when said as
    written, "" when left out; an added passage joins the one it follows), so a
    wording stored whole can be shown, and edited again, passage by passage."""
    said = {p.key: p.text for p in version.passages.all()}
    first = next(iter(said), None)
    for edit in passage_edits_for(version=version, edited_body=edited_body):
        if edit.kind == PassageEdit.Kind.CHANGED:
            said[edit.passage_key] = edit.edited_text
        elif edit.kind == PassageEdit.Kind.REMOVED:
            said[edit.passage_key] = ""
        elif edit.passage_key in said:
            said[edit.passage_key] = f"{said[edit.passage_key]}\n\n{edit.edited_text}".strip()
        elif first is not None:
            said[first] = f"{edit.edited_text}\n\n{said[first]}".strip()
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
    edited wording stored whole and as per-passage edits, the engine enqueued on commit
    (once per version while its task has not started: engine_enqueue).

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
        body = edited_body if version is not None else ""
        edits = passage_edits_of(version=version, edited_body=body)
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
        call_log.objections.set(tags)
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
