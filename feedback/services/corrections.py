"""Correcting a call log: the salesperson fixes a slip (wrong reaction, wrong version,
a passage they did say as written) within 24 hours, and every figure built on the call
is re-counted as if it had been logged right the first time.

The engine counts calls incrementally (feedback.services.engine adds each call to its
version's figures once). A correction cannot subtract reliably from those running
totals (a JSON count of outcomes, a reaction moved between buckets), so it rebuilds
instead: the corrected call is marked for reprocessing, the figures of every version it
touched are recounted from the calls the engine has already counted (one aggregate
query), the call's old edits leave their suggestions, and the engine then counts the
corrected call and groups its new edits as for any new call.
"""

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from ..models import CallLog, PassageEdit, Suggestion, SuggestionVariant, VersionStats
from ..policies import CallLogPolicy
from .calls import call_log_check, passage_edits_of
from .engine import call_logs_processed, engine_enqueue
from .objections import objection_tags_resolve
from .suggestions import (
    suggestion_counts_enqueue,
    suggestion_quotes_rebuild,
    suggestions_evidence_refresh,
)

# What a correction may change; the lead, the salesperson, the attempt and the time
# stay: they are the attempt's (leads') facts, not the conversation's.
CORRECTABLE = {
    "version",
    "reaction",
    "outcome",
    "edited_body",
    "objections",
    "new_objection_names",
    "quote",
    "quote_passage_key",
    "notes",
}


@transaction.atomic
def call_log_correct(*, call_log: CallLog, user, **fields) -> CallLog:
    """Rewrite a call log with the corrected `fields` and re-count what it fed.

    Refused (PermissionDenied, with the policy's reason) for someone else's call or
    after CORRECTION_WINDOW. Fields left out keep their value; `edited_body` is the
    whole wording used with the (possibly new) version. In one transaction: the call
    is rewritten, its PassageEdits deleted and derived again (the same rule as when it
    was logged), its old edits leave their suggestions (an open suggestion left with no
    edit is removed; the others' quotes are rebuilt), the call is marked for the engine
    again, and the figures and open suggestions of the old and new version are
    recounted (version_recount). After the commit the engine counts the call and
    groups its new edits.
    """
    unknown = set(fields) - CORRECTABLE
    if unknown:
        raise TypeError(f"Cannot correct {', '.join(sorted(unknown))} of a call log.")
    CallLogPolicy(user, call_log).can_correct().require()
    version = fields.get("version", call_log.version)
    if "version" in fields and "edited_body" not in fields:
        # Another version's passages are not the ones the old wording was matched to.
        fields["edited_body"] = version.body if version is not None else ""
    quote_passage_key = fields.get("quote_passage_key", call_log.quote_passage_key)
    if version is None or (
        "quote_passage_key" not in fields
        and not version.passages.filter(key=quote_passage_key).exists()
    ):
        # The quote's passage went with the old version: the quote stays, untied.
        quote_passage_key = ""
    call_log_check(
        user=user,
        version=version,
        occurred_at=call_log.occurred_at,
        quote_passage_key=quote_passage_key,
    )
    # The engine's lock order: figures rows first, then call rows, so a correction and
    # an engine run on the same version wait for each other instead of interleaving.
    version_ids = sorted({v for v in (call_log.version_id, getattr(version, "pk", None)) if v})
    for version_id in version_ids:
        _stats_lock(version_id)
    call_log = CallLog.objects.select_for_update().get(pk=call_log.pk)

    old_suggestion_ids = set(
        call_log.passage_edits.exclude(suggestion=None).values_list("suggestion_id", flat=True)
    )
    call_log.version = version
    call_log.quote_passage_key = quote_passage_key
    for name in ("reaction", "outcome", "quote", "notes"):
        if name in fields:
            setattr(call_log, name, fields[name])
    call_log.quote = call_log.quote.strip()
    call_log.notes = call_log.notes.strip()
    if version is None:
        call_log.edited_body = ""
    elif "edited_body" in fields:
        call_log.edited_body = fields["edited_body"]
    edits = passage_edits_of(version=version, edited_body=call_log.edited_body)
    call_log.has_edits = bool(edits)
    # A general call has nothing for the engine: it stays counted-as-done.
    call_log.processed_at = None if version is not None else timezone.now()
    call_log.full_clean(exclude=["lead", "salesperson", "version", "attempt"])
    call_log.save()
    if "objections" in fields or "new_objection_names" in fields:
        tags = list(fields.get("objections", call_log.objections.all()))
        tags += objection_tags_resolve(names=list(fields.get("new_objection_names", ())), user=user)
        call_log.objections.set(tags)

    call_log.passage_edits.all().delete()
    for edit in edits:
        edit.call_log = call_log
    PassageEdit.objects.bulk_create(edits)
    # Variants and open suggestions this call alone supported go with its old edits.
    SuggestionVariant.objects.filter(
        suggestion__in=Suggestion.objects.open().filter(pk__in=old_suggestion_ids),
        edits__isnull=True,
    ).delete()
    removed, _ = (
        Suggestion.objects.open().filter(pk__in=old_suggestion_ids, edits__isnull=True).delete()
    )
    if removed:
        suggestion_counts_enqueue()

    for version_id in version_ids:
        version_recount(version_id=version_id)
    # The call's quote left the suggestions its old edits were in, decided ones too
    # (the recount rebuilds only the open ones').
    suggestion_quotes_rebuild(suggestion_ids=old_suggestion_ids)
    if version is not None:
        engine_enqueue(version_id=version.pk)
    else:
        # The engine will not see this call again; tell the receivers (attribution)
        # that what it credited has changed, as the engine does for counted calls.
        call_logs_processed.send(sender=CallLog, call_logs=[call_log])
    return call_log


def _stats_lock(version_id: int) -> VersionStats:
    VersionStats.objects.bulk_create([VersionStats(version_id=version_id)], ignore_conflicts=True)
    return VersionStats.objects.select_for_update().get(version_id=version_id)


def version_recount(*, version_id: int) -> VersionStats:
    """Rebuild a version's figures from every call the engine has counted on it, and
    refresh the evidence of its open suggestions.

    Exact whatever happened before (a corrected call, a figure gone wrong): the
    figures are one aggregate over the version's processed calls (and one grouped
    query for objection names), not a running total. Calls still waiting for the
    engine are left to it: it adds them when it counts them. Call inside a
    transaction that holds the version's figures row (call_log_correct does).
    """
    counted = CallLog.objects.filter(version_id=version_id, processed_at__isnull=False)
    reactions = {
        f"reaction_{value}": Count("pk", filter=Q(reaction=value))
        for value in CallLog.Reaction.values
    }
    outcomes = {
        f"outcome_{value}": Count("pk", filter=Q(outcome=value)) for value in CallLog.Outcome.values
    }
    figures = counted.order_by().aggregate(
        uses=Count("pk"),
        edited_uses=Count("pk", filter=Q(has_edits=True)),
        last_used_at=Max("occurred_at"),
        **reactions,
        **outcomes,
    )
    objections = {
        row["objections__name"]: row["n"]
        for row in counted.exclude(objections=None)
        .order_by()
        .values("objections__name")
        .annotate(n=Count("pk"))
    }
    stats = _stats_lock(version_id)
    stats.uses = figures["uses"]
    stats.edited_uses = figures["edited_uses"]
    stats.last_used_at = figures["last_used_at"]
    for name in reactions:
        setattr(stats, name, figures[name])
    stats.outcomes = {
        value: figures[f"outcome_{value}"]
        for value in CallLog.Outcome.values
        if figures[f"outcome_{value}"]
    }
    stats.objections = objections
    stats.save()
    suggestions = list(Suggestion.objects.open().filter(version_id=version_id))
    suggestions_evidence_refresh(
        suggestions=suggestions, changed_ids={suggestion.pk for suggestion in suggestions}
    )
    return stats
