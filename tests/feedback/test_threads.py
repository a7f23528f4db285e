"""Story: a new comment on a suggestion tells everyone else in its thread, once."""

import pytest
from django.urls import reverse

from feedback import services
from feedback.models import Suggestion
from notifications.models import Notification

from .conftest import SAID

pytestmark = pytest.mark.django_db


def told(kind="suggestion_comment"):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def suggestion(rep_a, rep_c, v1, log_call):
    """rep_a and rep_c both reworded the same paragraph of v1 (owned by `marketer`)."""
    log_call(rep_a, v1, said=SAID)
    log_call(rep_c, v1, said=SAID)
    return Suggestion.objects.get()


def test_the_owners_comment_tells_the_contributing_salespeople(
    suggestion, marketer, rep_a, rep_c, rep_b
):
    services.suggestion_comment(suggestion=suggestion, user=marketer, body="Which customer?")

    assert told() == ["rep_a", "rep_c"]  # not marketer (the author), not rep_b (not in it)
    note = Notification.objects.get(recipient=rep_a, kind="suggestion_comment")
    assert note.url == reverse("feedback:suggestion_detail", args=[suggestion.pk])
    assert "Which customer?" in note.text


def test_a_reply_tells_the_earlier_commenters_and_the_owner_but_not_its_author(
    suggestion, marketer, marketer_2, rep_a, rep_c
):
    services.suggestion_comment(suggestion=suggestion, user=marketer_2, body="Nice one.")
    Notification.objects.all().delete()

    services.suggestion_comment(suggestion=suggestion, user=rep_a, body="A CFO in Lyon.")

    # marketer owns the message, marketer_2 commented earlier, rep_c contributed.
    assert told() == sorted([marketer.username, marketer_2.username, "rep_c"])


def test_the_marketer_who_decided_hears_of_later_comments(suggestion, marketer, marketer_2, rep_a):
    services.suggestion_reject(suggestion=suggestion, user=marketer_2, reason="Too long.")
    services.suggestion_comment(suggestion=suggestion, user=rep_a, body="Shorter then?")

    assert marketer_2.username in told()


def test_someone_in_the_thread_twice_over_is_told_once_per_comment(
    suggestion, marketer, rep_a, rep_c
):
    services.suggestion_comment(suggestion=suggestion, user=rep_a, body="First.")
    services.suggestion_comment(suggestion=suggestion, user=rep_c, body="Second.")
    services.suggestion_comment(suggestion=suggestion, user=marketer, body="Third.")

    # rep_a contributed and commented: one notification for each of the two later comments.
    assert Notification.objects.filter(recipient=rep_a, kind="suggestion_comment").count() == 2
    assert Notification.objects.filter(recipient=marketer, kind="suggestion_comment").count() == 2


def test_commenting_through_the_page_tells_the_others(client_for, suggestion, marketer, rep_a):
    url = reverse("feedback:suggestion_comment", args=[suggestion.pk])
    client_for(rep_a).post(url, {"body": "The customer said it this way."})
    assert told() == sorted([marketer.username, "rep_c"])
