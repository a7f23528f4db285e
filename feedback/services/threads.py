"""A suggestion's thread: telling the people in it that someone wrote.

Kept apart from feedback.services.suggestions (which adds the comment and calls
thread_comment_notify as its last step) so the rule "who hears of a new comment" has
one place of its own.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from notifications.services import notification_send

from ..models import SuggestionComment


def thread_participants(comment: SuggestionComment):
    """Who takes part in the comment's thread, other than its author: the salespeople
    whose wording the suggestion groups, everyone who commented before, the marketer
    who decided on it and the owner of the message. One query."""
    suggestion = comment.suggestion
    earlier = SuggestionComment.objects.filter(suggestion=suggestion, pk__lt=comment.pk)
    people = (
        Q(call_logs__passage_edits__suggestion=suggestion)
        | Q(pk__in=earlier.values("author_id"))
        | Q(owned_messages__pk=suggestion.message_id)
        # Read from the row, not the instance: the decision may have been taken on
        # another copy of the suggestion (services lock and re-read it).
        | Q(decided_suggestions=suggestion)
    )
    return (
        get_user_model()
        .objects.filter(people, is_active=True)
        .exclude(pk=comment.author_id)
        .distinct()
        .order_by("pk")
    )


def thread_comment_notify(*, comment: SuggestionComment) -> int:
    """Tell each other participant of the thread about a new comment, once each (a
    dedupe key per comment and person, so a retried request notifies nobody twice);
    returns how many were told. The author is never told of their own comment."""
    url = reverse("feedback:suggestion_detail", args=[comment.suggestion_id])
    name = comment.author.get_full_name() or comment.author.get_username()
    sent = 0
    for person in thread_participants(comment):
        notification = notification_send(
            recipient=person,
            kind="suggestion_comment",
            text=f"{name} commented on suggestion #{comment.suggestion_id}: {comment.body[:200]}",
            url=url,
            dedupe_key=f"suggestion-comment:{comment.pk}:{person.pk}",
        )
        sent += notification is not None
    return sent
