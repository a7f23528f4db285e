"""The feedback engine's database work: count calls into their version's figures and
group their edits into suggestions, after the commit, in batches, exactly once.

The decisions it applies are pure and live elsewhere: which wordings are "the same
change" in feedback.matching, the evidence formula in feedback.evidence.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from messaging.models import MessageVersion
from smarketing import outbox

from ..matching import closest_wording
from ..models import CallLog, PassageEdit, Suggestion, VersionStats
from .suggestions import suggestions_evidence_refresh

# Sent inside the engine's transaction once calls are counted (kwargs: call_logs, a
# list: one signal per batch, so receivers can coalesce their work); receivers that
# start background work defer it with transaction.on_commit (or the outbox).
call_logs_processed = Signal()

# Most calls one engine transaction counts. A backlog drains in batches of this size;
# it bounds the transaction's length (locks held, work lost if the worker dies).
ENGINE_BATCH = 500
# Most batches one engine task runs before handing the version over to a fresh task at
# the back of the queue, so that one busy version does not starve the others.
ENGINE_DRAIN_BATCHES = 10
# The sweep enqueues every version with a call waiting longer than this: a backstop for
# a lost task, not the normal path (which is well under a second under load).
ENGINE_SWEEP_AGE = timedelta(seconds=60)


def engine_key(version_id: int) -> str:
    """The outbox key meaning "this version has calls waiting for the engine"."""
    return f"engine:version:{version_id}"


def engine_enqueue(*, version_id: int) -> None:
    """Make sure an engine task for the version will run after this commit.

    Coalesced (outbox.enqueue_once): while the version's task has not started, further
    calls add nothing; that task releases the key before it reads the waiting calls,
    so it sees every call that relied on it. Under load one task counts a burst of
    calls, instead of one task per call whose broker round trip and ack cost more
    than the counting.
    """
    from ..tasks import version_calls_process_task

    outbox.enqueue_once(engine_key(version_id), version_calls_process_task, version_id)


def version_calls_drain(*, version_id: int) -> int:
    """The engine task's work: count every waiting call of the version, in batches
    (version_calls_process); returns how many were counted.

    The version's outbox key is released first: calls committed from then on enqueue a
    new task, so none is left waiting. After ENGINE_DRAIN_BATCHES full batches the
    version is handed to a fresh task. Idempotent: a duplicate or retried run counts
    only what is still waiting (nothing, usually).
    """
    outbox.release(engine_key(version_id))
    counted = 0
    for _ in range(ENGINE_DRAIN_BATCHES):
        batch = len(version_calls_process(version_id=version_id))
        counted += batch
        if batch < ENGINE_BATCH:
            return counted
    with transaction.atomic():
        engine_enqueue(version_id=version_id)
    return counted


def engine_sweep() -> int:
    """Enqueue the engine for every version with a call waiting longer than
    ENGINE_SWEEP_AGE (periodic); returns how many versions.

    The backstop that bounds staleness whatever happened to a task (lost with the
    broker's data, failed after its retries). Coalesced with a task already pending.
    """
    cutoff = timezone.now() - ENGINE_SWEEP_AGE
    version_ids = set(
        CallLog.objects.filter(processed_at__isnull=True, created_at__lt=cutoff).values_list(
            "version_id", flat=True
        )
    )
    for version_id in sorted(version_ids):
        with transaction.atomic():
            engine_enqueue(version_id=version_id)
    return len(version_ids)


def _stats_row(version_id: int) -> VersionStats:
    # Created without a race: parallel first calls on one version insert at most once.
    VersionStats.objects.bulk_create([VersionStats(version_id=version_id)], ignore_conflicts=True)
    return VersionStats.objects.select_for_update().get(version_id=version_id)


def call_log_process(*, call_log_id: int) -> bool:
    """Count one call in its version's figures and group its edits into suggestions;
    True when this run counted it. (The task of one call: sent before the engine's
    sends were coalesced per version; kept for those still queued, and the drills.)

    The call is counted together with every other call of its version still waiting
    (version_calls_process): under load the worker then does one transaction for many
    calls instead of one each, and the tasks of the calls already counted return at
    once. A call already counted (a retried or duplicated task) changes nothing.
    """
    row = CallLog.objects.filter(pk=call_log_id).values("version_id", "processed_at").first()
    if row is None or row["processed_at"] is not None:
        return False  # read without a lock: processed_at is never unset
    counted = version_calls_process(version_id=row["version_id"], include=call_log_id)
    return call_log_id in counted


@transaction.atomic
def version_calls_process(*, version_id: int, include: int | None = None) -> set[int]:
    """Count the version's waiting calls (oldest first, at most ENGINE_BATCH, always
    `include`) in one transaction; returns the ids counted.

    Exact and idempotent: the version's figures row is locked first, so the engine
    works on one version at a time, and each call is marked processed in the same
    transaction as its effects, so no call is counted twice (a call whose task runs
    again finds it processed). Lock order is always figures row, then call rows, then
    suggestions, so two engines never wait on each other in a circle.
    """
    stats = _stats_row(version_id)
    waiting = CallLog.objects.select_for_update().filter(
        version_id=version_id, processed_at__isnull=True
    )
    calls = list(waiting.order_by("pk")[:ENGINE_BATCH])
    if include is not None and include not in {call.pk for call in calls}:
        calls += list(waiting.filter(pk=include))
    if not calls:
        return set()
    _stats_count(stats, calls)
    touched = _edits_group(version_id=version_id, call_ids=[call.pk for call in calls])
    # Every open suggestion of the version compares "with" against "without": these
    # calls change the "without" side of all of them, so all are refreshed, in bulk.
    suggestions_evidence_refresh(
        suggestions=list(Suggestion.objects.open().filter(version_id=version_id)),
        medoid_ids=touched,
    )
    now = timezone.now()
    CallLog.objects.filter(pk__in=[call.pk for call in calls]).update(processed_at=now)
    for call in calls:
        call.processed_at = now
    call_logs_processed.send(sender=CallLog, call_logs=calls)
    return {call.pk for call in calls}


def _stats_count(stats: VersionStats, calls: list[CallLog]) -> None:
    """Add the calls to the (locked) figures row: uses, reactions, outcomes, objections."""
    stats.uses += len(calls)
    stats.edited_uses += sum(call.has_edits for call in calls)
    for reaction in {call.reaction for call in calls}:
        n = sum(call.reaction == reaction for call in calls)
        setattr(stats, f"reaction_{reaction}", F(f"reaction_{reaction}") + n)
    for call in calls:
        stats.outcomes[call.outcome] = stats.outcomes.get(call.outcome, 0) + 1
        if stats.last_used_at is None or call.occurred_at > stats.last_used_at:
            stats.last_used_at = call.occurred_at
    names = CallLog.objects.filter(pk__in=[call.pk for call in calls]).values_list(
        "objections__name", flat=True
    )
    for name in names:
        if name is not None:
            stats.objections[name] = stats.objections.get(name, 0) + 1
    stats.save()


def _edits_group(*, version_id: int, call_ids: list[int]) -> set[int]:
    """Attach the calls' ungrouped edits to suggestions; returns the suggestions that
    got new edits.

    Each edit joins the open suggestion on its passage whose wording is most similar
    (feedback.matching), or starts a new one. Within one batch an edit is compared with
    the suggestions' wording as it was at the start of the batch (plus suggestions
    the batch created): the representative wording is recomputed once per batch, not
    after each edit. A batch of one call, as in the tests and at low load, behaves
    exactly as a call processed alone.
    """
    edits = list(
        PassageEdit.objects.filter(
            call_log_id__in=call_ids,
            suggestion__isnull=True,
            kind__in=[PassageEdit.Kind.CHANGED, PassageEdit.Kind.REMOVED],
        ).order_by("call_log_id", "pk")
    )
    if not edits:
        return set()
    version = MessageVersion.objects.get(pk=version_id)
    candidates: dict[tuple[str, str], list[Suggestion]] = {}
    for suggestion in Suggestion.objects.select_for_update().filter(
        version_id=version_id, status=Suggestion.Status.OPEN
    ):
        candidates.setdefault((suggestion.passage_key, suggestion.kind), []).append(suggestion)
    touched = set()
    for edit in edits:
        group = candidates.setdefault((edit.passage_key, edit.kind), [])
        suggestion = _suggestion_match(edit, group)
        if suggestion is None:
            suggestion = Suggestion.objects.create(
                message_id=version.message_id,
                version=version,
                passage_key=edit.passage_key,
                kind=edit.kind,
                original_text=edit.original_text,
                proposed_text=edit.edited_text,
            )
            group.append(suggestion)
        edit.suggestion = suggestion
        touched.add(suggestion.pk)
    PassageEdit.objects.bulk_update(edits, ["suggestion"])
    return touched


def _suggestion_match(edit: PassageEdit, candidates: list[Suggestion]) -> Suggestion | None:
    """The open suggestion an edit joins. Every removal of a passage is one suggestion
    ("leave it out"); a changed wording joins the closest similar wording (matching)."""
    if edit.kind == PassageEdit.Kind.REMOVED:
        return candidates[0] if candidates else None
    index = closest_wording(edit.edited_text, [c.proposed_text for c in candidates])
    return None if index is None else candidates[index]
