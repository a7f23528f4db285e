"""Marketing's side of the loop: the evidence behind each suggestion, accepting or
rejecting it, the thread about it, and telling the salespeople what became of their
wording.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead
from messaging import services as messaging_services
from messaging.models import MessageVersion
from messaging.passages import tokens
from notifications.services import notification_send
from smarketing import outbox
from smarketing.audit import audit_record
from smarketing.events import publish

from ..evidence import suggestion_evidence
from ..models import (
    CallLog,
    PassageEdit,
    Suggestion,
    SuggestionComment,
    SuggestionCount,
    SuggestionVariant,
)
from ..policies import SuggestionPolicy
from ..quotes import latest_quoted_calls
from .threads import thread_comment_notify


def suggestion_refresh(*, suggestion: Suggestion) -> Suggestion:
    """Recompute one suggestion's evidence from its edits (see
    suggestions_evidence_refresh): exact, and the same however often it runs."""
    suggestions_evidence_refresh(suggestions=[suggestion], changed_ids={suggestion.pk})
    return suggestion


def _with_counts(queryset, field: str) -> dict:
    """Distinct calls, salespeople, positive calls and wins of edits grouped by `field`."""
    won = Q(call_log__lead__status=Lead.Status.WON)
    positive = Q(call_log__reaction__gte=CallLog.Reaction.POSITIVE)
    return {
        row[field]: row
        for row in queryset.order_by()
        .values(field)
        .annotate(
            calls=Count("call_log", distinct=True),
            reps=Count("call_log__salesperson", distinct=True),
            positive=Count("call_log", distinct=True, filter=positive),
            wins=Count("call_log", distinct=True, filter=won),
        )
    }


def suggestions_evidence_refresh(*, suggestions: list[Suggestion], changed_ids=()) -> None:
    """Recompute the evidence of these suggestions and of their variants from their
    edits, in a few queries whatever their number.

    "With" are the calls whose wording made the suggestion's (or the variant's) edits;
    "without" are the other calls on the same version. A call is positive when the
    reaction was 4 or 5, and a win when its lead was won. Since a suggestion's edits
    all come from calls on its version, "without" is the version's totals minus
    "with": one aggregate per version instead of one per suggestion. The figures and
    the ranking score come from those counts by feedback.evidence.suggestion_evidence,
    the formula's one home, for suggestions and variants alike.

    The suggestion's shown wording (proposed_text: its best variant laid over its
    span) and its quotes (quote_call_ids, feedback.quotes) only change when its edits
    do, so they are recomputed for `changed_ids` only.
    """
    if not suggestions:
        return
    ids = [suggestion.pk for suggestion in suggestions]
    with_edit = _with_counts(PassageEdit.objects.filter(suggestion_id__in=ids), "suggestion_id")
    with_variant = _with_counts(
        PassageEdit.objects.filter(suggestion_id__in=ids, variant__isnull=False), "variant_id"
    )
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
    variants = list(SuggestionVariant.objects.filter(suggestion_id__in=ids))
    quotes = latest_quoted_calls(set(ids) & set(changed_ids))
    empty = {"calls": 0, "reps": 0, "positive": 0, "wins": 0}

    def evidence_of(mine, version_id):
        version = totals.get(version_id, empty)
        return suggestion_evidence(
            calls=mine["calls"],
            reps=mine["reps"],
            positive=mine["positive"],
            wins=mine["wins"],
            version_calls=version["calls"],
            version_positive=version["positive"],
            version_wins=version["wins"],
        )

    by_id = {suggestion.pk: suggestion for suggestion in suggestions}
    for variant in variants:
        evidence = evidence_of(
            with_variant.get(variant.pk, empty), by_id[variant.suggestion_id].version_id
        )
        for field, value in evidence.fields().items():
            setattr(variant, field, value)
    best = {}
    for variant in sorted(variants, key=variant_rank):
        best.setdefault(variant.suggestion_id, variant)
    now = timezone.now()
    for suggestion in suggestions:
        evidence = evidence_of(with_edit.get(suggestion.pk, empty), suggestion.version_id)
        for field, value in evidence.fields().items():
            setattr(suggestion, field, value)
        if suggestion.pk in changed_ids:
            suggestion.quote_call_ids = quotes.get(suggestion.pk, [])
            if suggestion.pk in best:
                suggestion.proposed_text = variant_over_span(suggestion, best[suggestion.pk])
        suggestion.updated_at = now
    Suggestion.objects.bulk_update(
        suggestions, [*EVIDENCE_FIELDS, "proposed_text", "quote_call_ids", "updated_at"]
    )
    if variants:
        SuggestionVariant.objects.bulk_update(variants, EVIDENCE_FIELDS)


def suggestion_quotes_rebuild(*, suggestion_ids) -> int:
    """Rebuild the quotes rollup (Suggestion.quote_call_ids, feedback.quotes) of these
    suggestions, whatever their status, from their edits; returns how many changed.

    For writes that change a suggestion's edits or their calls' quotes outside the
    evidence refresh (which rebuilds the open suggestions it is told changed): a
    correction takes a call's edits away from suggestions that may be decided already.
    """
    ids = sorted(set(suggestion_ids))
    if not ids:
        return 0
    latest = latest_quoted_calls(ids)
    changed = []
    for suggestion in Suggestion.objects.filter(pk__in=ids).only("pk", "quote_call_ids"):
        fresh = latest.get(suggestion.pk, [])
        if suggestion.quote_call_ids != fresh:
            suggestion.quote_call_ids = fresh
            changed.append(suggestion)
    Suggestion.objects.bulk_update(changed, ["quote_call_ids"])
    return len(changed)


def suggestion_quotes_rebuild_all(*, batch: int = 2000) -> int:
    """Rebuild every suggestion's quotes rollup (manage.py suggestion_rollups_rebuild;
    the seeder): the full rebuild behind the per-write one, in batches of suggestions,
    one transaction each. Returns how many rows changed."""
    changed = 0
    last = 0
    while True:
        ids = list(
            Suggestion.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return changed
        with transaction.atomic():
            changed += suggestion_quotes_rebuild(suggestion_ids=ids)
        last = ids[-1]


COUNTS_KEY = "feedback:suggestion-counts"


def suggestion_counts_enqueue() -> None:
    """After this commit, recount the suggestions by status (SuggestionCount): for
    every write that creates, removes or decides a suggestion. Coalesced: while a
    recount is pending, further writes add nothing (its task releases the key before
    counting, so it sees them)."""
    from ..tasks import suggestion_counts_refresh_task

    outbox.enqueue_once(COUNTS_KEY, suggestion_counts_refresh_task)


def suggestion_counts_refresh() -> dict[str, int]:
    """Rebuild the suggestion counts rollup (SuggestionCount) from the suggestions: one
    grouped count, every status written (zero included). Returns status -> count."""
    outbox.release(COUNTS_KEY)
    counted = dict(Suggestion.objects.order_by().values_list("status").annotate(n=Count("pk")))
    now = timezone.now()
    counts = {status: counted.get(status, 0) for status in Suggestion.Status.values}
    SuggestionCount.objects.bulk_create(
        [SuggestionCount(status=status, count=n, updated_at=now) for status, n in counts.items()],
        update_conflicts=True,
        unique_fields=["status"],
        update_fields=["count", "updated_at"],
    )
    return counts


EVIDENCE_FIELDS = [
    "call_count", "rep_count", "with_positive", "with_wins", "without_count",
    "without_positive", "without_wins", "score",
]  # fmt: skip


def variant_rank(variant: SuggestionVariant) -> tuple:
    """Variants rank by evidence: distinct salespeople, then calls (feedback.grouping)."""
    return (-variant.rep_count, -variant.call_count, variant.pk)


def variant_over_span(suggestion: Suggestion, variant: SuggestionVariant, wording=None) -> str:
    """The suggestion's span as it reads with the variant (or `wording` in the
    variant's place): the version's words around the variant's own span filled in."""
    if suggestion.kind != PassageEdit.Kind.REPLACE:
        return variant.wording if wording is None else wording
    toks = tokens(suggestion.base_text)
    start, end = (
        min(suggestion.span_start, variant.span_start),
        max(suggestion.span_end, variant.span_end),
    )
    return (
        "".join(toks[start : variant.span_start])
        + (variant.wording if wording is None else wording)
        + "".join(toks[variant.span_end : end])
    )


def suggestion_contributors(suggestion: Suggestion):
    """The salespeople whose calls made the suggestion's edits."""
    return (
        get_user_model().objects.filter(call_logs__passage_edits__suggestion=suggestion).distinct()
    )


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


def _accepted_wording(suggestion: Suggestion, variant: SuggestionVariant, wording) -> str:
    """The text that goes into the draft: the variant's wording, or the marketer's edit
    of it. An edited wording keeps the variant's white space at its ends (a replaced
    span carries the space before it), so a word is never glued to its neighbour."""
    if suggestion.kind == PassageEdit.Kind.REMOVE or wording is None:
        return variant.wording
    text = wording.replace("\r\n", "\n").strip()
    if not text and suggestion.kind != PassageEdit.Kind.REPLACE:
        raise ValidationError(
            {"wording": "Write the wording to put into the draft, or decline the suggestion."}
        )
    if suggestion.kind != PassageEdit.Kind.REPLACE:
        return text
    source = variant.wording if variant.wording.strip() else variant.original_text
    lead = source[: len(source) - len(source.lstrip())]
    tail = variant.wording[len(variant.wording.rstrip()) :] if variant.wording.strip() else ""
    return lead + text + tail if text else ""


@transaction.atomic
def suggestion_accept(
    *, suggestion: Suggestion, user, variant: SuggestionVariant | None = None, wording=None
) -> MessageVersion:
    """Apply exactly this change to the message's draft (opened from the live version
    when there is none) and record where it came from.

    The marketer may pick one of the suggestion's variants (by default the best
    evidenced) and edit its wording. Messaging applies the change
    (draft_change_apply: a three-way merge on the passage found by its key, under the
    draft's revision check), so it lands on exactly the words the salespeople changed,
    even after the draft has moved on or other suggestions on the same paragraph were
    accepted. When the draft changed those very words, MergeConflict is raised with
    the version's span, the draft's text and the suggestion, and nothing changes.
    """
    SuggestionPolicy(user, suggestion).role().require()
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    SuggestionPolicy(user, suggestion).can_accept().require_valid()
    variants = sorted(suggestion.variants.all(), key=variant_rank)
    if variant is None:
        if not variants:
            raise ValidationError("This suggestion has no wording to accept.")
        variant = variants[0]
    elif variant.pk not in {v.pk for v in variants}:
        raise ValidationError({"variant": "That wording is not one of this suggestion's."})
    text = _accepted_wording(suggestion, variant, wording)
    message = suggestion.message
    draft = message.versions.filter(status=MessageVersion.Status.DRAFT).first()
    if draft is None:
        draft = messaging_services.draft_create(
            message=message, user=user, origin=MessageVersion.Origin.SUGGESTION
        )
    try:
        draft = messaging_services.draft_change_apply(
            version=draft,
            user=user,
            kind=suggestion.kind,
            passage_key=suggestion.passage_key or None,
            after_key=suggestion.after_key or None,
            span_start=variant.span_start,
            span_end=variant.span_end,
            original=variant.original_text,
            replacement=text,
            base_text=suggestion.base_text,
            expected_revision=draft.revision,
            change_summary=(
                draft.change_summary or f"Wording from sales (suggestion #{suggestion.pk})"
            ),
        )
    except messaging_services.DraftConflict:
        raise ValidationError(
            "Another marketer saved the draft at the same moment; try again."
        ) from None
    audit_record(
        actor=user,
        action="suggestion.accept",
        target=suggestion,
        before={"status": "open"},
        after={
            "status": "accepted",
            "into": f"v{draft.number}",
            "variant": variant.pk,
            "wording": text,
        },
    )
    suggestion.status = Suggestion.Status.ACCEPTED
    suggestion.accepted_into = draft
    suggestion.accepted_variant = variant
    suggestion.accepted_text = text
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.save()
    suggestion_counts_enqueue()
    publish(
        "suggestion.accepted",
        {
            "suggestion": suggestion.pk,
            "message": message.pk,
            "title": message.title,
            "draft": draft.pk,
            "draft_number": draft.number,
            "wording": text,
            "accepted_by": user.get_username(),
        },
    )
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
    SuggestionPolicy(user, suggestion).role().require()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tell the salespeople why, so they learn from it."})
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    SuggestionPolicy(user, suggestion).can_reject().require_valid()
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
    suggestion_counts_enqueue()
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
    SuggestionPolicy(user, suggestion).can_comment().require()
    comment = SuggestionComment(suggestion=suggestion, author=user, body=body[:4000])
    comment.full_clean()
    comment.save()
    thread_comment_notify(comment=comment)  # feedback.services.threads: tell the others
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
    # A change is stale when its passage is gone; an addition when the passage it
    # follows is gone (an addition at the very start never is).
    gone = Q(~Q(kind=PassageEdit.Kind.INSERT) & ~Q(passage_key__in=live_keys)) | Q(
        Q(kind=PassageEdit.Kind.INSERT) & ~Q(after_key="") & ~Q(after_key__in=live_keys)
    )
    staled = (
        Suggestion.objects.open()
        .filter(message_id=version.message_id)
        .filter(gone)
        .exclude(version=version)
        .update(status=Suggestion.Status.STALE, updated_at=timezone.now())
    )
    if staled:
        suggestion_counts_enqueue()
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
    """Refresh the evidence (and quotes) of every open suggestion (periodic: wins
    change over time), one version per transaction, then recount the suggestions."""
    count = 0
    version_ids = Suggestion.objects.open().values_list("version_id", flat=True).distinct()
    for version_id in sorted(set(version_ids)):
        with transaction.atomic():
            suggestions = list(Suggestion.objects.open().filter(version_id=version_id))
            suggestions_evidence_refresh(
                suggestions=suggestions, changed_ids={s.pk for s in suggestions}
            )
        count += len(suggestions)
    suggestion_counts_refresh()  # and the counts' full rebuild, hourly with it
    return count
