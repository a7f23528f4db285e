"""The admin is not a second way to publish: a version's status changes only through
the services (admin actions call version_publish / version_retire)."""

from django.urls import reverse

from messaging.models import MessageVersion
from tests.support.messaging_factories import draft, make_message, publish


def test_the_version_status_is_read_only_in_the_admin(client_for, admin, marketer):
    live = publish(make_message(marketer, body="Hello"), marketer)
    url = reverse("admin:messaging_messageversion_change", args=[live.pk])
    client = client_for(admin)
    assert 'name="status"' not in client.get(url).content.decode()
    client.post(url, {"status": "draft", "change_summary": "sneaky"})
    live.refresh_from_db()
    assert (live.status, live.change_summary) == ("live", "Ready for the field")


def test_admin_actions_publish_and_retire_through_the_services(client_for, admin, marketer):
    message = make_message(marketer, body="Hello")
    first = draft(message)
    first.change_summary = "First version"
    first.save()
    changelist = reverse("admin:messaging_messageversion_changelist")
    client = client_for(admin)
    client.post(changelist, {"action": "publish_drafts", "_selected_action": [first.pk]})
    first.refresh_from_db()
    message.refresh_from_db()
    assert first.status == MessageVersion.Status.LIVE and message.live_version == first
    client.post(changelist, {"action": "retire_live_versions", "_selected_action": [first.pk]})
    first.refresh_from_db()
    message.refresh_from_db()
    assert first.status == MessageVersion.Status.RETIRED and message.live_version is None


def test_an_admin_action_that_breaks_a_rule_changes_nothing_and_says_why(
    client_for, admin, marketer
):
    empty = draft(make_message(marketer, body=""))
    changelist = reverse("admin:messaging_messageversion_changelist")
    response = client_for(admin).post(
        changelist, {"action": "publish_drafts", "_selected_action": [empty.pk]}, follow=True
    )
    empty.refresh_from_db()
    assert empty.status == MessageVersion.Status.DRAFT
    assert "Say what changed and why." in response.content.decode()
