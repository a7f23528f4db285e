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
from notifications.services import notification_send
from smarketing.audit import audit_record

from ..evidence import suggestion_evidence
from ..matching import medoid
from ..models import CallLog, PassageEdit, Suggestion, SuggestionComment
from ..policies import SuggestionPolicy
from .threads import thread_comment_notify


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
    version instead of one per suggestion. The figures and the ranking score come from
    those counts by feedback.evidence.suggestion_evidence, the formula's one home.

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
        evidence = suggestion_evidence(
            calls=mine["calls"],
            reps=mine["reps"],
            positive=mine["positive"],
            wins=mine["wins"],
            version_calls=version["calls"],
            version_positive=version["positive"],
            version_wins=version["wins"],
        )
        for field, value in evidence.fields().items():
            setattr(suggestion, field, value)
        if suggestion.pk in medoid_ids and suggestion.kind == PassageEdit.Kind.CHANGED:
            texts = list(
                suggestion.edits.order_by("-call_log__occurred_at").values_list(
                    "edited_text", flat=True
                )[:50]
            )
            if texts:
                suggestion.proposed_text = medoid(texts)
        suggestion.updated_at = timezone.now()
    Suggestion.objects.bulk_update(
        suggestions,
        [
            "call_count", "rep_count", "with_positive", "with_wins", "without_count",
            "without_positive", "without_wins", "score", "proposed_text", "updated_at",
        ],
    )  # fmt: skip


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


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user) -> MessageVersion:
    """Apply the suggested wording to the message's draft (opened from the live version
    when there is none) and record where it came from.

    The passage is found in the draft by its key, and edited there by messaging (which
    owns the text: draft_passage_replace), so the change lands in the right place even
    when the draft has moved on since the calls or holds the same text twice; when the
    draft no longer has that passage the accept is refused and nothing changes.
    """
    SuggestionPolicy(user, suggestion).role().require()
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    SuggestionPolicy(user, suggestion).can_accept().require_valid()
    message = suggestion.message
    draft = message.versions.filter(status=MessageVersion.Status.DRAFT).first()
    if draft is None:
        draft = messaging_services.draft_create(
            message=message, user=user, origin=MessageVersion.Origin.SUGGESTION
        )
    new_text = "" if suggestion.kind == PassageEdit.Kind.REMOVED else suggestion.proposed_text
    try:
        draft = messaging_services.draft_passage_replace(
            version=draft,
            user=user,
            passage_key=suggestion.passage_key,
            new_text=new_text,
            expected_revision=draft.revision,
            change_summary=(
                draft.change_summary or f"Wording from sales (suggestion #{suggestion.pk})"
            ),
        )
    except messaging_services.PassageGone:
        raise ValidationError(
            "The draft no longer has this passage; edit the draft by hand or reject the suggestion."
        ) from None
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
