"""The writes of review before publish: submit a draft, decide a step, comment on a passage.

The rule of where a draft stands is messaging.review; who may act is
messaging.policies.ReviewPolicy. Each service locks the draft row first, so a decision
and an edit arriving together are serialised: a decision is recorded against the
revision the reviewer saw, and an edit after it leaves that approval behind (rule 4).
Reviewers are told in the app (notifications), once per step and revision.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_send
from smarketing.audit import audit_record

from .models import MessageVersion, ReviewComment, ReviewDecision, ReviewSubmission
from .policies import ReviewPolicy
from .review import APPROVED, review_state


def _lock(version: MessageVersion) -> MessageVersion:
    return MessageVersion.objects.select_related("message").select_for_update().get(pk=version.pk)


def _review_url(version: MessageVersion) -> str:
    return reverse("messaging:draft_review", args=[version.message_id])


def _notify_step(state, step_state, version) -> None:
    """Tell a step's reviewers it is their turn: once per step and revision."""
    for reviewer in step_state.reviewers:
        if reviewer.pk == state.submission.submitted_by_id:
            continue
        notification_send(
            recipient=reviewer,
            kind="review.requested",
            text=(
                f"Please review v{version.number} of “{version.message.title}” "
                f"({step_state.step.name})."
            ),
            url=_review_url(version),
            dedupe_key=f"review:{version.pk}:{version.revision}:{step_state.step.pk}",
        )


@transaction.atomic
def review_submit(*, version: MessageVersion, user) -> ReviewSubmission:
    """Send the draft, at its current revision, to the first step's reviewers."""
    locked = _lock(version)
    policy = ReviewPolicy(user, locked)
    policy.can_view().require()
    policy.can_submit().require_valid()
    submission, _created = ReviewSubmission.objects.update_or_create(
        version=locked,
        defaults={
            "revision": locked.revision,
            "submitted_by": user,
            "submitted_at": timezone.now(),
        },
    )
    state = review_state(locked)
    audit_record(
        actor=user,
        action="review.submit",
        target=locked,
        after={"revision": locked.revision, "workflow": state.workflow.name},
    )
    if state.current is not None:
        _notify_step(state, state.current, locked)
    return submission


@transaction.atomic
def review_decide(
    *, version: MessageVersion, user, step_id: int, verdict: str, note: str = "", revision: int
) -> ReviewDecision:
    """Approve the revision the reviewer read, or ask for changes (with a note).

    `revision` is the one the page showed: if the draft was edited since, the decision
    is refused rather than approving words the reviewer never saw.
    """
    if verdict not in ReviewDecision.Verdict.values:
        raise ValidationError("Choose approve or request changes.")
    note = (note or "").strip()
    if verdict == ReviewDecision.Verdict.CHANGES_REQUESTED and not note:
        raise ValidationError({"note": "Say what should change."})
    locked = _lock(version)
    policy = ReviewPolicy(user, locked)
    policy.can_view().require()
    if int(revision) != locked.revision:
        raise ValidationError("The draft was edited after you opened it: read it again.")
    policy.can_decide(step_id).require_valid()
    decision = ReviewDecision.objects.create(
        version=locked,
        step_id=step_id,
        revision=locked.revision,
        reviewer=user,
        verdict=verdict,
        note=note[:4000],
    )
    audit_record(
        actor=user,
        action=f"review.{verdict}",
        target=locked,
        after={"revision": locked.revision, "step": decision.step.name, "note": note[:300]},
    )
    state = review_state(locked)
    submitter = state.submission.submitted_by
    title = locked.message.title
    if verdict == APPROVED and state.current is not None:
        _notify_step(state, state.current, locked)
    elif verdict == APPROVED:
        notification_send(
            recipient=submitter,
            kind="review.approved",
            text=f"v{locked.number} of “{title}” is approved by every step: ready to publish.",
            url=reverse("messaging:draft_publish", args=[locked.message_id]),
            dedupe_key=f"review-approved:{locked.pk}:{locked.revision}",
        )
    else:
        notification_send(
            recipient=submitter,
            kind="review.changes",
            text=f"Changes requested on v{locked.number} of “{title}” ({decision.step.name}).",
            url=_review_url(locked),
        )
    return decision


@transaction.atomic
def review_comment_add(
    *, version: MessageVersion, user, passage_key: str, text: str
) -> ReviewComment:
    """A comment on one passage of the draft (or, with passage_key "", on the whole
    draft). It is anchored to the passage's key, so later drafts show it on the same
    passage (messaging.passages keeps keys across edits)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write a comment."})
    locked = _lock(version)
    policy = ReviewPolicy(user, locked)
    policy.can_view().require()
    policy.can_comment().require_valid()
    if passage_key and not locked.passages.filter(key=passage_key).exists():
        raise ValidationError("The draft no longer has this passage.")
    comment = ReviewComment.objects.create(
        message_id=locked.message_id,
        version=locked,
        passage_key=passage_key or "",
        revision=locked.revision,
        author=user,
        text=text[:4000],
    )
    audit_record(
        actor=user,
        action="review.comment",
        target=locked,
        after={"passage": passage_key, "text": text[:300]},
    )
    return comment
