"""Maria owns "Value proposition for CFOs": she hears when reps start changing it, at
most once an hour, and once more when a change has enough reps behind it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Suggestion
from feedback.services import attention
from notifications.models import Notification
from tests.feedback.conftest import BODY, SAID

OTHER = BODY.replace("Book a 20-minute walkthrough.", "Let us book a short demo next week.")


class Clock:
    """A controlled clock: every timezone.now() in the code under test reads it."""

    def __init__(self, start):
        self.at = start

    def __call__(self):
        return self.at

    def advance(self, **delta):
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 12, 1, 9, 5, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def new_suggestion_notices(user):
    return list(Notification.objects.filter(recipient=user, kind="suggestion_new"))


def test_the_owner_is_notified_of_a_new_suggestion_with_a_link_to_its_message(
    clock, marketer, rep_a, v1, log_call
):
    log_call(rep_a, v1, said=SAID)

    [notice] = new_suggestion_notices(marketer)
    assert notice.text == "1 new suggestion on ‘Value proposition for CFOs’"
    assert notice.url == reverse("feedback:suggestion_inbox") + f"?message={v1.message_id}"


def test_a_second_suggestion_in_the_same_hour_does_not_notify_again_and_the_next_hour_does(
    clock, marketer, rep_a, rep_c, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    clock.advance(minutes=40)  # 09:45, same hour
    log_call(rep_c, v1, said=OTHER)
    assert Suggestion.objects.count() == 2
    assert len(new_suggestion_notices(marketer)) == 1

    clock.advance(minutes=20)  # 10:05, the next hour
    log_call(rep_c, v1, said=BODY.replace("# Close the books", "# Close your books"))
    assert len(new_suggestion_notices(marketer)) == 2


def test_a_call_joining_an_existing_suggestion_is_not_a_new_one(
    clock, marketer, rep_a, rep_c, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    clock.advance(hours=2)
    log_call(rep_c, v1, said=SAID)

    assert Suggestion.objects.count() == 1
    assert len(new_suggestion_notices(marketer)) == 1


def test_a_call_without_edits_notifies_nobody(clock, marketer, rep_a, v1, log_call):
    log_call(rep_a, v1)

    assert not Notification.objects.filter(recipient=marketer).exists()


def test_a_suggestion_reaching_the_rep_threshold_notifies_once(
    clock, marketer, rep_a, rep_b, rep_c, v1, log_call, monkeypatch
):
    monkeypatch.setattr(attention, "SUGGESTION_ALERT_REPS", 3)
    evidence = Notification.objects.filter(recipient=marketer, kind="suggestion_evidence")
    log_call(rep_a, v1, said=SAID)
    log_call(rep_c, v1, said=SAID)
    assert not evidence.exists()

    log_call(rep_b, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    [notice] = evidence
    assert notice.text == (
        "3 salespeople made the same change to ‘Value proposition for CFOs’: "
        "“Finance teams lose four days a month reconciling spreadsheets.”"
    )
    assert notice.url == reverse("feedback:suggestion_detail", args=[suggestion.pk])

    log_call(rep_a, v1, said=SAID)  # a fourth call: still one notice
    assert evidence.count() == 1


def test_an_owner_who_left_is_not_notified(clock, marketer, rep_a, v1, log_call):
    marketer.is_active = False
    marketer.save()

    log_call(rep_a, v1, said=SAID)

    assert not Notification.objects.filter(recipient=marketer).exists()
