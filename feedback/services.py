"""Every write of the feedback app that carries a rule: the virtual conversation.

A salesperson logs a call (call_log_create); after the commit the engine counts it and
groups its edits into suggestions (call_log_process); marketing accepts or rejects a
suggestion (suggestion_accept / suggestion_reject); when a version carrying accepted
wording goes live, its contributors are told (version_published_process).
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from rapidfuzz import fuzz

from leads import services as lead_services
from leads.models import Attempt, Lead
from messaging import services as messaging_services
from messaging.models import MessageVersion
from messaging.passages import KeyedBlock, assign_keys, normalise, replace_passage, split_passages
from smarketing import outbox
from smarketing.audit import audit_record
from smarketing.roles import MARKETING, SALES, has_role, roles_of

from .models import (
    CallLog,
    Notification,
    ObjectionTag,
    PassageEdit,
    Suggestion,
    SuggestionComment,
    VersionStats,
)

# Two edits of one passage are "the same suggestion" when their wordings are at least
# this similar (rapidfuzz normalised Indel ratio, 0-100, on normalised text).
EDIT_SIMILARITY = 75.0

# Sent inside the engine's transaction once calls are counted (kwargs: call_logs, a
# list: one signal per batch, so receivers can coalesce their work); receivers that
# start background work defer it with transaction.on_commit (or the outbox).
call_logs_processed = Signal()


# --- Notifications --------------------------------------------------------------------


def notification_send(*, recipient, kind: str, text: str, url: str = "", dedupe_key=None):
    """Notify one person in the app. With a dedupe_key, the same event notifies once:
    a second call returns None and changes nothing (retried tasks stay harmless)."""
    if dedupe_key is None:
        return Notification.objects.create(recipient=recipient, kind=kind, text=text[:500], url=url)
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, text=text[:500], url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications (all, or those ids) read; returns how many."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


# --- Objections -------------------------------------------------------------------------


def objection_tags_resolve(*, names: list[str], user) -> list[ObjectionTag]:
    """Tags for names a salesperson typed: existing ones are reused (case-insensitive);
    new ones are kept as proposals for marketing to approve."""
    tags = []
    for raw in names:
        name = " ".join(raw.split())[:80]
        if not name:
            continue
        tag = ObjectionTag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = ObjectionTag.objects.create(
                        name=name, status=ObjectionTag.Status.PROPOSED, proposed_by=user
                    )
            except IntegrityError:
                tag = ObjectionTag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


@transaction.atomic
def objection_approve(*, tag: ObjectionTag, user) -> ObjectionTag:
    """Marketing adopts a salesperson's proposed objection into the managed list."""
    if not has_role(user, MARKETING):
        raise PermissionDenied("Only marketing manages objections.")
    tag.status = ObjectionTag.Status.APPROVED
    tag.save(update_fields=["status"])
    return tag


# --- Call logs ------------------------------------------------------------------------


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


def _check_can_log(user, lead: Lead, version: MessageVersion) -> None:
    if SALES not in roles_of(user):
        raise PermissionDenied("Only salespeople log calls.")
    if lead.owner_id != user.pk:
        raise PermissionDenied("You can only log calls on your own leads.")
    if version.status not in (MessageVersion.Status.LIVE, MessageVersion.Status.RETIRED):
        raise ValidationError({"version": "Choose a published version of the message."})


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
    edited wording stored whole and as per-passage edits, the engine enqueued on commit
    (once per version while its task has not started: engine_enqueue)."""
    _check_can_log(user, lead, version)
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


# --- The engine -----------------------------------------------------------------------

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
    from .tasks import version_calls_process_task

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
    (EDIT_SIMILARITY), or starts a new one. Within one batch an edit is compared with
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
    if edit.kind == PassageEdit.Kind.REMOVED:
        return candidates[0] if candidates else None
    best, best_score = None, -1.0
    wording = normalise(edit.edited_text)
    for candidate in candidates:
        score = fuzz.ratio(wording, normalise(candidate.proposed_text))
        if score >= EDIT_SIMILARITY and score > best_score:
            best, best_score = candidate, score
    return best


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def suggestion_refresh(*, suggestion: Suggestion) -> Suggestion:
    """Recompute one suggestion's evidence from its edits (see
    suggestions_evidence_refresh): exact, and the same however often it runs."""
    suggestions_evidence_refresh(suggestions=[suggestion], medoid_ids={suggestion.pk})
    return suggestion


def suggestions_evidence_refresh(*, suggestions: list[Suggestion], medoid_ids=()) -> None:
    """Recompute the evidence of these suggestions from their edits, in a few queries
    whatever their number.

    "With" are the calls whose wording made the suggestion's edits; "without" are the
    other calls on the same version. A call is positive when the reaction was 4 or 5,
    and a win when its lead was won. Since a suggestion's edits all come from calls on
    its version, "without" is the version's totals minus "with": one aggregate per
    version instead of one per suggestion. Ranking score: calls, plus twice the
    distinct salespeople, plus ten times the lift in positive reactions.

    The representative wording (the edit most similar to the others, the medoid of at
    most 50 recent edits) only changes when edits join, so it is recomputed for the
    suggestions in `medoid_ids` only.
    """
    if not suggestions:
        return
    ids = [suggestion.pk for suggestion in suggestions]
    won = Q(call_log__lead__status=Lead.Status.WON)
    positive = Q(call_log__reaction__gte=CallLog.Reaction.POSITIVE)
    with_edit = {
        row["suggestion_id"]: row
        for row in PassageEdit.objects.filter(suggestion_id__in=ids)
        .order_by()
        .values("suggestion_id")
        .annotate(
            calls=Count("call_log", distinct=True),
            reps=Count("call_log__salesperson", distinct=True),
            positive=Count("call_log", distinct=True, filter=positive),
            wins=Count("call_log", distinct=True, filter=won),
        )
    }
    totals = {
        row["version_id"]: row
        for row in CallLog.objects.filter(
            version_id__in={suggestion.version_id for suggestion in suggestions}
        )
        .order_by()
        .values("version_id")
        .annotate(
            calls=Count("pk"),
            positive=Count("pk", filter=Q(reaction__gte=CallLog.Reaction.POSITIVE)),
            wins=Count("pk", filter=Q(lead__status=Lead.Status.WON)),
        )
    }
    empty = {"calls": 0, "reps": 0, "positive": 0, "wins": 0}
    for suggestion in suggestions:
        mine = with_edit.get(suggestion.pk, empty)
        version = totals.get(suggestion.version_id, empty)
        without = {key: version[key] - mine[key] for key in ("calls", "positive", "wins")}
        suggestion.call_count = mine["calls"]
        suggestion.rep_count = mine["reps"]
        suggestion.with_positive = _rate(mine["positive"], mine["calls"])
        suggestion.with_wins = _rate(mine["wins"], mine["calls"])
        suggestion.without_count = without["calls"]
        suggestion.without_positive = _rate(without["positive"], without["calls"])
        suggestion.without_wins = _rate(without["wins"], without["calls"])
        lift = (suggestion.with_positive or 0) - (suggestion.without_positive or 0)
        suggestion.score = suggestion.call_count + 2 * suggestion.rep_count + 10 * max(lift, 0)
        if suggestion.pk in medoid_ids and suggestion.kind == PassageEdit.Kind.CHANGED:
            texts = list(
                suggestion.edits.order_by("-call_log__occurred_at").values_list(
                    "edited_text", flat=True
                )[:50]
            )
            if texts:
                suggestion.proposed_text = _medoid(texts)
        suggestion.updated_at = timezone.now()
    Suggestion.objects.bulk_update(
        suggestions,
        [
            "call_count", "rep_count", "with_positive", "with_wins", "without_count",
            "without_positive", "without_wins", "score", "proposed_text", "updated_at",
        ],
    )  # fmt: skip


def _medoid(texts: list[str]) -> str:
    if len(texts) <= 2:
        return texts[-1]
    normalised = [normalise(text) for text in texts]
    best = max(
        range(len(texts)),
        key=lambda i: sum(fuzz.ratio(normalised[i], other) for other in normalised),
    )
    return texts[best]


# --- Marketing's decisions ------------------------------------------------------------


def suggestion_contributors(suggestion: Suggestion):
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(call_logs__passage_edits__suggestion=suggestion).distinct()
    )


def _require_marketing(user) -> None:
    if not has_role(user, MARKETING):
        raise PermissionDenied("Only marketing decides on suggestions.")


def _tell_contributors(suggestion: Suggestion, *, kind: str, event: str, text: str) -> None:
    """Notify each salesperson behind a suggestion of marketing's decision, once."""
    url = reverse("feedback:suggestion_detail", args=[suggestion.pk])
    for person in suggestion_contributors(suggestion):
        notification_send(
            recipient=person,
            kind=kind,
            text=text,
            url=url,
            dedupe_key=f"{event}:{suggestion.pk}",
        )


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user) -> MessageVersion:
    """Apply the suggested wording to the message's draft (opened from the live version
    when there is none) and record where it came from.

    The passage is found in the draft by its key, so the change lands in the right
    place even when the draft has moved on since the calls; when the draft no longer
    has that passage the accept is refused and nothing changes.
    """
    _require_marketing(user)
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.OPEN:
        raise ValidationError(
            f"This suggestion is already {suggestion.get_status_display().lower()}."
        )
    message = suggestion.message
    draft = message.versions.filter(status=MessageVersion.Status.DRAFT).first()
    if draft is None:
        draft = messaging_services.draft_create(message=message, user=user)
        draft.origin = MessageVersion.Origin.SUGGESTION
        draft.save(update_fields=["origin"])
    passage = draft.passages.filter(key=suggestion.passage_key).first()
    if passage is None:
        raise ValidationError(
            "The draft no longer has this passage; edit the draft by hand or reject the suggestion."
        )
    if suggestion.kind == PassageEdit.Kind.REMOVED:
        body = replace_passage(draft.body, passage.text, "")
        body = "\n\n".join(part.strip("\n") for part in body.split("\n\n") if part.strip())
    else:
        body = replace_passage(draft.body, passage.text, suggestion.proposed_text)
    summary = draft.change_summary or f"Wording from sales (suggestion #{suggestion.pk})"
    draft = messaging_services.draft_save(
        version=draft, user=user, body=body, revision=draft.revision, change_summary=summary
    )
    audit_record(
        actor=user,
        action="suggestion.accept",
        target=suggestion,
        before={"status": "open"},
        after={
            "status": "accepted",
            "into": f"v{draft.number}",
            "wording": suggestion.proposed_text,
        },
    )
    suggestion.status = Suggestion.Status.ACCEPTED
    suggestion.accepted_into = draft
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.save()
    _tell_contributors(
        suggestion,
        kind="suggestion_accepted",
        event="suggestion-accepted",
        text=(
            f"Marketing accepted your wording for “{message.title}”: it goes into v{draft.number}."
        ),
    )
    return draft


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, user, reason: str) -> Suggestion:
    """Decline a suggestion with a reason that the contributing salespeople see."""
    _require_marketing(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tell the salespeople why, so they learn from it."})
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.OPEN:
        raise ValidationError(
            f"This suggestion is already {suggestion.get_status_display().lower()}."
        )
    audit_record(
        actor=user,
        action="suggestion.reject",
        target=suggestion,
        before={"status": "open"},
        after={"status": "rejected", "reason": reason},
    )
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.reject_reason = reason
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.save()
    _tell_contributors(
        suggestion,
        kind="suggestion_rejected",
        event="suggestion-rejected",
        text=f"Marketing declined your wording for “{suggestion.message.title}”: {reason}",
    )
    return suggestion


@transaction.atomic
def suggestion_comment(*, suggestion: Suggestion, user, body: str) -> SuggestionComment:
    """Add to a suggestion's thread: marketing and the salespeople behind it may talk."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if (
        not has_role(user, MARKETING)
        and not suggestion_contributors(suggestion).filter(pk=user.pk).exists()
    ):
        raise PermissionDenied("Only marketing and the contributing salespeople take part here.")
    comment = SuggestionComment(suggestion=suggestion, author=user, body=body[:4000])
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def version_published_process(*, version_id: int) -> int:
    """After a version goes live: tell the salespeople whose accepted wording it carries
    ("your wording is now in v5 of ..."), and mark open suggestions stale whose passage
    the live version no longer has. Idempotent (dedupe keys, status checks)."""
    version = MessageVersion.objects.select_related("message").get(pk=version_id)
    if version.status != MessageVersion.Status.LIVE:
        return 0
    live_keys = set(version.passages.values_list("key", flat=True))
    Suggestion.objects.open().filter(message_id=version.message_id).exclude(
        passage_key__in=live_keys
    ).exclude(version=version).update(status=Suggestion.Status.STALE, updated_at=timezone.now())
    notified = 0
    for suggestion in Suggestion.objects.filter(accepted_into=version):
        if suggestion.shipped_at is None:
            suggestion.shipped_at = version.published_at
            suggestion.save(update_fields=["shipped_at"])
        for person in suggestion_contributors(suggestion):
            sent = notification_send(
                recipient=person,
                kind="wording_shipped",
                text=f"Your wording is now in v{version.number} of “{version.message.title}”.",
                url=f"/messages/{version.message_id}/v{version.number}/",
                dedupe_key=f"wording-shipped:{version.pk}:{person.pk}",
            )
            notified += int(sent is not None)
    return notified


def suggestions_refresh_open() -> int:
    """Refresh the evidence of every open suggestion (periodic: wins change over time),
    one version per transaction."""
    count = 0
    version_ids = Suggestion.objects.open().values_list("version_id", flat=True).distinct()
    for version_id in sorted(set(version_ids)):
        with transaction.atomic():
            suggestions = list(Suggestion.objects.open().filter(version_id=version_id))
            suggestions_evidence_refresh(
                suggestions=suggestions, medoid_ids={s.pk for s in suggestions}
            )
        count += len(suggestions)
    return count


def digest_send_daily(*, today=None) -> int:
    """Email each marketer a digest of the last day's new suggestions and the objection
    gaps, once per day: the delivery row is written in the same transaction as the send,
    so a re-run (or a second beat) sends nobody a second copy."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from . import selectors
    from .models import DigestDelivery

    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=1)
    new_suggestions = list(
        Suggestion.objects.open()
        .filter(created_at__gte=since)
        .select_related("message")
        .ranked()[:20]
    )
    gaps = selectors.objection_gaps(limit=5)
    if not new_suggestions and not gaps:
        return 0
    sent = 0
    marketers = (
        get_user_model().objects.filter(groups__name=MARKETING, is_active=True).exclude(email="")
    )
    for marketer in marketers:
        try:
            with transaction.atomic():
                DigestDelivery.objects.create(recipient=marketer, day=today)
                body = render_to_string(
                    "feedback/digest_email.txt",
                    {"user": marketer, "suggestions": new_suggestions, "gaps": gaps},
                )
                send_mail(
                    f"Smarketing digest for {today:%d %b %Y}",
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [marketer.email],
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
