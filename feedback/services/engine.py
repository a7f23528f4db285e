"""The feedback engine's database work: count calls into their version's figures and
group their edits into suggestions, after the commit, in batches, exactly once.

The decisions it applies are pure and live elsewhere: what a call changed in
feedback.changes, which changes are "the same suggestion" and which wordings one
variant in feedback.grouping, the evidence formula in feedback.evidence.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from rapidfuzz import fuzz

from messaging.models import MessageVersion
from messaging.passages import comparison_form, tokens
from smarketing import outbox

from ..changes import REMOVE, Change
from ..grouping import VARIANT_SIMILARITY, ChangeInstance, Group, group_key, match_group, over
from ..models import CallLog, PassageEdit, Suggestion, SuggestionVariant, VersionStats
from .suggestions import suggestion_counts_enqueue, suggestions_evidence_refresh

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
        changed_ids=touched,
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


def edit_change(edit: PassageEdit, base_text: str) -> Change:
    """The stored edit as the pure Change it was made from (base_text: its passage)."""
    return Change(
        kind=edit.kind,
        passage_key=edit.passage_key or None,
        span_start=edit.span_start,
        span_end=edit.span_end,
        original=edit.original_text,
        replacement=edit.edited_text,
        base_text=base_text,
        after_key=(edit.after_key or None) if edit.kind == PassageEdit.Kind.INSERT else None,
        sentence=edit.sentence,
    )


def variant_change(suggestion: Suggestion, variant: SuggestionVariant) -> Change:
    """A variant as the Change it stands for (its own span, its wording)."""
    return Change(
        kind=suggestion.kind,
        passage_key=suggestion.passage_key or None,
        span_start=variant.span_start,
        span_end=variant.span_end,
        original=variant.original_text,
        replacement=variant.wording,
        base_text=suggestion.base_text,
        after_key=(suggestion.after_key or None)
        if suggestion.kind == PassageEdit.Kind.INSERT
        else None,
        sentence=suggestion.sentence,
    )


class _Open:
    """An open suggestion while a batch is grouped: the suggestion, its variants, and
    the pure Group that feedback.grouping matches new changes against."""

    def __init__(self, suggestion: Suggestion, variants: list[SuggestionVariant]):
        self.suggestion = suggestion
        self.variants = variants
        self.changes = [variant_change(suggestion, v) for v in variants]
        self.group = Group(
            key=f"{suggestion.kind}:{suggestion.passage_key or suggestion.after_key}",
            kind=suggestion.kind,
            passage_key=suggestion.passage_key or None,
            after_key=suggestion.after_key or None,
            span_start=suggestion.span_start,
            span_end=suggestion.span_end,
            base_text=suggestion.base_text,
            instances=[
                ChangeInstance(change=c, call_id=("variant", v.pk), rep_id=None)
                for c, v in zip(self.changes, variants, strict=True)
            ],
        )
        self.dirty = False

    def variant_for(self, change: Change) -> SuggestionVariant:
        """The variant a change joins: the most similar wording at least
        VARIANT_SIMILARITY over the suggestion's span (grouping rule 6), else a new one."""
        start = min(self.suggestion.span_start, change.span_start)
        end = max(self.suggestion.span_end, change.span_end)
        wording = over(change, start, end)
        best, best_score = None, -1.0
        for variant, known in zip(self.variants, self.changes, strict=True):
            score = 100.0 if change.kind == REMOVE else fuzz.ratio(wording, over(known, start, end))
            if score >= VARIANT_SIMILARITY and score > best_score:
                best, best_score = variant, score
        if best is None:
            best = SuggestionVariant.objects.create(
                suggestion=self.suggestion,
                span_start=change.span_start,
                span_end=change.span_end,
                original_text=change.original,
                wording=change.replacement,
            )
            self.variants.append(best)
            self.changes.append(change)
            self.group.instances.append(
                ChangeInstance(change=change, call_id=("variant", best.pk), rep_id=None)
            )
        return best

    def widen(self, change: Change) -> None:
        """The suggestion's span becomes the union of its edits' spans."""
        s = self.suggestion
        start, end = min(s.span_start, change.span_start), max(s.span_end, change.span_end)
        if (start, end) != (s.span_start, s.span_end):
            s.span_start, s.span_end = start, end
            s.original_text = "".join(tokens(s.base_text)[start:end])
            if change.sentence is not None and (s.sentence is None or change.sentence < s.sentence):
                s.sentence = change.sentence
            self.group.span_start, self.group.span_end = start, end
            self.dirty = True


def _edits_group(*, version_id: int, call_ids: list[int]) -> set[int]:
    """Attach the calls' ungrouped changes to suggestions and their variants; returns
    the suggestions that got new edits.

    Each change joins the open suggestion of its version that feedback.grouping's
    match_group picks (same kind and passage; for a replace, an overlapping span in
    similar words; every rewrite of a passage together, every removal together;
    additions after one passage in similar words), else starts a new one; within it,
    the variant whose wording is near-identical, else a new variant.

    A suggestion is matched through its variants' representative changes rather than
    every edit it holds: the cost of a change stays bounded by the number of distinct
    wordings, however many calls support them. Edits with the same change (kind, span,
    wording) are placed once per batch. Grouping is therefore incremental (in call
    order), as feedback.grouping rule 7 describes.
    """
    edits = list(
        PassageEdit.objects.filter(call_log_id__in=call_ids, suggestion__isnull=True).order_by(
            "call_log_id", "pk"
        )
    )
    if not edits:
        return set()
    version = MessageVersion.objects.get(pk=version_id)
    base_texts = dict(version.passages.values_list("key", "text"))
    opened = [
        _Open(suggestion, list(suggestion.variants.all()))
        for suggestion in Suggestion.objects.select_for_update()
        .filter(version_id=version_id, status=Suggestion.Status.OPEN)
        .prefetch_related("variants")
        .order_by("pk")
    ]
    by_key: dict[str, list[_Open]] = {}
    for entry in opened:
        by_key.setdefault(entry.group.key, []).append(entry)
    placed: dict[tuple, tuple[_Open, SuggestionVariant]] = {}
    touched = set()
    for edit in edits:
        base = "" if edit.kind == PassageEdit.Kind.INSERT else base_texts.get(edit.passage_key, "")
        change = edit_change(edit, base)
        signature = (
            group_key(change),
            change.span_start,
            change.span_end,
            comparison_form(change.replacement),
        )
        if signature not in placed:
            candidates = by_key.setdefault(group_key(change), [])
            group = match_group(change, [entry.group for entry in candidates])
            entry = next((e for e in candidates if e.group is group), None)
            if entry is None:
                entry = _Open(_suggestion_new(version, change), [])
                candidates.append(entry)
            entry.widen(change)
            placed[signature] = (entry, entry.variant_for(change))
        entry, variant = placed[signature]
        edit.suggestion, edit.variant = entry.suggestion, variant
        touched.add(entry.suggestion.pk)
    # One UPDATE per (suggestion, variant) rather than a CASE per row: a batch's many
    # edits fall into a few of them, and bulk_update's CASE was most of a batch's time.
    placements: dict[tuple[int, int], list[int]] = {}
    for edit in edits:
        placements.setdefault((edit.suggestion.pk, edit.variant.pk), []).append(edit.pk)
    for (suggestion_id, variant_id), edit_ids in placements.items():
        PassageEdit.objects.filter(pk__in=edit_ids).update(
            suggestion_id=suggestion_id, variant_id=variant_id
        )
    widened = [e.suggestion for group in by_key.values() for e in group if e.dirty]
    if widened:
        Suggestion.objects.bulk_update(
            widened, ["span_start", "span_end", "original_text", "sentence"]
        )
    return touched


def _suggestion_new(version: MessageVersion, change: Change) -> Suggestion:
    suggestion_counts_enqueue()
    return Suggestion.objects.create(
        message_id=version.message_id,
        version=version,
        base_text=change.base_text,
        proposed_text=change.replacement,
        **change.where(),
    )
