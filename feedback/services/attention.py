"""Who in marketing hears about what the feedback engine found, and how often.

Two rules, both run by the engine's `call_logs_processed` signal (subscribed in
feedback.apps), inside the engine's transaction: a notification commits with the
suggestions it is about, and a rolled-back batch notifies nobody.

1. New suggestion: the message's owner is told that reps changed their message, at most
   once per message per clock hour (the notification's dedupe key holds the message and
   the hour, UTC). A burst of calls that raises five suggestions in ten minutes is one
   notice ("5 new suggestions on ‘Value proposition for CFOs’"); a suggestion raised
   later in the same hour adds nothing; the next hour's can notify again. A suggestion
   is new in a batch when every edit it groups came from that batch's calls: the engine
   attaches a call's edits once, when it counts the call, so a suggestion with an edit
   from an earlier call existed before this batch.
2. Enough evidence: once a suggestion's distinct reps reach SUGGESTION_ALERT_REPS, its
   message's owner is told once for that suggestion (dedupe on the suggestion's id):
   several salespeople saying the same thing differently is what makes it worth a look.

Owners who left (inactive) are not notified. Followers of a message are not modelled:
the owner is the one who acts on it.
"""

from collections import defaultdict
from datetime import UTC

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from notifications.services import notification_send

from ..models import PassageEdit, Suggestion

# Distinct salespeople behind one suggestion at which its owner is told (rule 2).
SUGGESTION_ALERT_REPS = 3


def hour_bucket(now=None) -> str:
    """The clock hour (UTC) that coalesces new-suggestion notices: "2026120114"."""
    return (now or timezone.now()).astimezone(UTC).strftime("%Y%m%d%H")


def suggestions_notify(*, call_logs, now=None) -> int:
    """Apply both rules to the suggestions these counted calls touched; returns how many
    notifications were created (duplicates of the same event create none)."""
    call_ids = [call.pk for call in call_logs]
    if not call_ids:
        return 0
    touched = set(
        PassageEdit.objects.filter(call_log_id__in=call_ids, suggestion__isnull=False)
        .values_list("suggestion_id", flat=True)
        .distinct()
    )
    if not touched:
        return 0
    suggestions = list(
        Suggestion.objects.open()
        .filter(pk__in=touched)
        .annotate(earlier=Count("edits", filter=~Q(edits__call_log_id__in=call_ids)))
        .select_related("message__owner")
        .order_by("pk")
    )
    inbox = reverse("feedback:suggestion_inbox")
    sent = 0
    new_by_message = defaultdict(list)
    for suggestion in suggestions:
        if suggestion.earlier == 0:
            new_by_message[suggestion.message_id].append(suggestion)
    bucket = hour_bucket(now)
    for message_id, new in new_by_message.items():
        message = new[0].message
        if not message.owner.is_active:
            continue
        count = len(new)
        noun = "suggestion" if count == 1 else "suggestions"
        sent += bool(
            notification_send(
                recipient=message.owner,
                kind="suggestion_new",
                text=f"{count} new {noun} on ‘{message.title}’",
                url=f"{inbox}?{urlencode({'message': message_id})}",
                dedupe_key=f"suggestion-new:{message_id}:{bucket}",
            )
        )
    for suggestion in suggestions:
        if suggestion.rep_count < SUGGESTION_ALERT_REPS or not suggestion.message.owner.is_active:
            continue
        sent += bool(
            notification_send(
                recipient=suggestion.message.owner,
                kind="suggestion_evidence",
                text=(
                    f"{suggestion.rep_count} salespeople made the same change to "
                    f"‘{suggestion.message.title}’: “{_excerpt(suggestion.original_text)}”"
                ),
                url=reverse("feedback:suggestion_detail", args=[suggestion.pk]),
                dedupe_key=f"suggestion-reps:{suggestion.pk}",
            )
        )
    return sent


def _excerpt(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"
