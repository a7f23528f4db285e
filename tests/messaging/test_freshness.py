"""Freshness: Maria owns the CFO value proposition and re-verifies it every 30 days; when
she has not, she is asked once, and sales sees it overdue in the library and the play."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from feedback.models import PassageDrift
from messaging.freshness import freshness_of, freshness_scan, message_verify
from messaging.models import Message
from messaging.tasks import freshness_scan_task
from notifications.models import Notification
from smarketing.models import AuditEntry
from tests.support.messaging_factories import publish


@pytest.fixture
def stale(play, marketer):
    """The play's first message, live since 40 days with a 30-day interval (published
    under a clock 40 days back: a published version's time is never rewritten)."""
    message = play.steps.get(position=0).message
    message.review_interval_days = 30
    message.save(update_fields=["review_interval_days"])
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=40)):
        publish(message, marketer, body="# CFO value\n\nCash back in 90 days.")
    return Message.objects.select_related("live_version").get(pk=message.pk)


def test_an_overdue_message_is_flagged_to_its_owner_once(stale, marketer):
    assert freshness_scan() == 1
    assert freshness_scan_task() == 0  # beat's next run, or a retried task: nobody asked twice
    notices = Notification.objects.filter(kind="message.reverify")
    assert [(n.recipient, n.url) for n in notices] == [(marketer, f"/messages/{stale.pk}/")]
    assert "Not re-verified since" in notices[0].text


def test_a_message_within_its_interval_is_not_flagged(play):
    assert freshness_scan() == 0
    message = play.steps.get(position=0).message
    assert not freshness_of([message])[message.pk].needs_review


def test_still_accurate_restarts_the_clock_and_a_later_lapse_asks_again(stale, marketer):
    freshness_scan()
    message_verify(message=stale, user=marketer)
    stale.refresh_from_db()
    assert not freshness_of([stale])[stale.pk].overdue
    assert AuditEntry.objects.filter(action="message.verify").exists()
    later = timezone.now() + timedelta(days=31)
    assert freshness_scan(now=later) == 1
    assert Notification.objects.filter(kind="message.reverify").count() == 2


def test_only_the_owner_re_verifies(stale, marketer_2):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="owner"):
        message_verify(message=stale, user=marketer_2)


def test_the_play_shows_the_message_overdue(stale, rep_a, accepted_by, play, client_for):
    lead = accepted_by(rep_a, play=play)
    page = client_for(rep_a).get(f"/leads/{lead.pk}/").content.decode()
    assert "overdue for review" in page
    library = client_for(rep_a).get("/messages/").content.decode()
    assert "overdue for review" in library


def test_drifting_passages_are_a_reason_to_review_before_the_interval(play, marketer):
    message = play.steps.get(position=0).message
    live = message.live_version
    PassageDrift.objects.create(
        version=live, passage_key=live.passages.first().key, share=0.7, calls=10
    )
    state = freshness_of([message])[message.pk]
    assert not state.overdue
    assert state.needs_review
    assert state.reasons == ["1 passage drifting in the field."]
    assert freshness_scan() == 1


def test_the_owner_clicks_still_accurate_on_the_message_page(stale, marketer, client_for):
    client = client_for(marketer)
    page = client.get(f"/messages/{stale.pk}/").content.decode()
    assert "Still accurate" in page
    assert client.post(f"/messages/{stale.pk}/verify/").status_code == 302
    stale.refresh_from_db()
    assert stale.verified_at is not None


def test_a_high_rewrite_rate_is_a_reason_to_review(play):
    from feedback.models import VersionStats

    message = play.steps.get(position=0).message
    VersionStats.objects.update_or_create(
        version=message.live_version, defaults={"uses": 10, "edited_uses": 8}
    )
    state = freshness_of([message])[message.pk]
    assert state.reasons == ["Reps rewrote the wording in 80% of 10 calls."]
