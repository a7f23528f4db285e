"""Freshness: a message's owner re-verifies its live text on an interval.

The rule:

1. A message with a live version is due for re-verification `review_interval_days`
   after the later of its live version's publish and its last "still accurate"
   (Message.verified_at). Publishing a new version restarts the clock too.
2. Past that date it is *overdue*. Reasons from the field also make it due for review
   whatever the date: upper apps register them here (feedback: drifting passages, and
   a high share of calls in which reps rewrote the wording), because messaging may not
   import feedback.
3. Once a message is due, its owner is asked once (freshness_scan, run by beat: one
   in-app notice per message and clock start, however often the scan runs). The owner
   answers with one click ("still accurate", message_verify) or a new draft.
4. Sales sees "overdue for review" in the library and the play, with the reasons.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_send
from smarketing.audit import audit_record

from .models import Message
from .policies import MessagePolicy

ReviewReasons = Callable[..., dict[int, list[str]]]
_reason_providers: list[ReviewReasons] = []


def register_review_reasons(fn: ReviewReasons) -> ReviewReasons:
    """Register fn(*, message_ids) -> {message_id: ["2 passages drifting", ...]};
    a fixed number of queries whatever the number of messages. Idempotent."""
    if fn not in _reason_providers:
        _reason_providers.append(fn)
    return fn


@dataclass
class Freshness:
    due_at: datetime | None
    overdue: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return self.overdue or bool(self.reasons)

    @property
    def label(self) -> str:
        return "overdue for review" if self.overdue else "due for review"


def clock_start(message: Message) -> datetime | None:
    """When the current interval began (rule 1); None without a live version."""
    live = message.live_version
    if live is None or live.published_at is None:
        return None
    return max(filter(None, [live.published_at, message.verified_at]))


def due_at(message: Message) -> datetime | None:
    start = clock_start(message)
    return start + timedelta(days=message.review_interval_days) if start else None


def freshness_of(messages, *, now=None) -> dict[int, Freshness]:
    """Freshness of these messages (their live_version loaded), by id: one query per
    registered reason provider, whatever the number of messages."""
    now = now or timezone.now()
    messages = [m for m in messages if m is not None]
    reasons: dict[int, list[str]] = defaultdict(list)
    ids = [m.pk for m in messages if m.live_version_id]
    if ids:
        for provider in _reason_providers:
            for message_id, found in provider(message_ids=ids).items():
                reasons[message_id].extend(found)
    result = {}
    for message in messages:
        due = due_at(message)
        overdue = due is not None and due <= now
        listed = list(reasons.get(message.pk, []))
        if overdue:
            listed.insert(0, f"Not re-verified since {clock_start(message):%-d %b %Y}.")
        result[message.pk] = Freshness(due_at=due, overdue=overdue, reasons=listed)
    return result


@transaction.atomic
def message_verify(*, message: Message, user) -> Message:
    """ "Still accurate": the owner checked the live text; the interval starts again."""
    MessagePolicy(user, message).role().require()
    # Lock the message row only: PostgreSQL refuses FOR UPDATE on the nullable join.
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("live_version")
        .get(pk=message.pk)
    )
    MessagePolicy(user, locked).can_verify().require_valid()
    before = locked.verified_at
    locked.verified_at = timezone.now()
    locked.save(update_fields=["verified_at", "updated_at"])
    audit_record(
        actor=user,
        action="message.verify",
        target=locked,
        before={"verified_at": before},
        after={"verified_at": locked.verified_at},
    )
    return locked


def freshness_scan(*, now=None) -> int:
    """Ask the owner of each message due for review to re-verify it (rule 3); returns
    how many were asked this run. Idempotent: the notice's dedupe key is the message and
    its clock start, so a rerun, or a retried task, asks nobody twice."""
    now = now or timezone.now()
    asked = 0
    messages = list(
        Message.objects.filter(live_version__isnull=False).select_related("live_version", "owner")
    )
    for chunk_start in range(0, len(messages), 500):
        chunk = messages[chunk_start : chunk_start + 500]
        states = freshness_of(chunk, now=now)
        for message in chunk:
            state = states[message.pk]
            if not state.needs_review:
                continue
            sent = notification_send(
                recipient=message.owner,
                kind="message.reverify",
                text=(
                    f"Please re-verify “{message.title}”: {' '.join(state.reasons)} "
                    "One click if it is still accurate, or open a new draft."
                ),
                url=reverse("messaging:message_detail", args=[message.pk]),
                dedupe_key=f"freshness:{message.pk}:{clock_start(message).isoformat()}",
            )
            asked += sent is not None
    return asked
