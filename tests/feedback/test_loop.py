"""The whole virtual conversation, from v1 to the salespeople hearing their wording shipped."""

from django.urls import reverse
from django.utils import timezone

from feedback.models import Suggestion
from messaging.models import Message
from notifications.models import Notification
from tests.feedback.conftest import BODY


def test_the_loop_from_v1_to_shipped_wording(
    client_for, marketer, rep_a, rep_b, rep_c, accepted_by, django_capture_on_commit_callbacks
):
    # 1. A marketer writes and publishes v1.
    client = client_for(marketer)
    client.post(
        reverse("messaging:message_create"),
        {"title": "Value proposition for CFOs", "kind": "value_proposition",
         "stage": "consideration", "body": BODY},
    )  # fmt: skip
    message = Message.objects.get(title="Value proposition for CFOs")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("messaging:draft_publish", args=[message.pk]), {"change_summary": "v1"})
    v1 = message.versions.get(number=1)
    assert v1.status == "live"

    # 2. Three salespeople log calls with similar edits to paragraph 2.
    wordings = {
        rep_a: "Your finance team loses four days every month reconciling spreadsheets by hand.",
        rep_b: "Your finance team loses four days each month reconciling spreadsheets by hand.",
        rep_c: "Your finance team loses four days every month reconciling spreadsheets manually.",
    }
    for rep, paragraph in wordings.items():
        lead = accepted_by(rep)
        said = BODY.replace(
            "Finance teams lose four days a month reconciling spreadsheets.", paragraph
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(rep).post(
                reverse("feedback:call_log_create"),
                {"lead": lead.pk, "version": v1.pk, "channel": "call",
                 "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                 "reaction": 5, "outcome": "meeting_booked",
                 "quote": "Four days? For us it's six.", "edited_body": said},
            )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]

    # 3. The suggestion appears in marketing's inbox with its evidence.
    client = client_for(marketer)
    inbox = client.get(reverse("feedback:suggestion_inbox")).content.decode()
    # Each rep also changed the sentence's end ("by hand", "manually"): those are other
    # suggestions; the reworded start is the one all three made.
    suggestion = Suggestion.objects.get(rep_count=3)
    assert (suggestion.call_count, suggestion.rep_count) == (3, 3)
    assert "3 salespeople" in inbox and "3 calls" in inbox
    assert "Four days? For us it" in inbox

    # 4. The marketer accepts it: the new draft has the change and its provenance.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("feedback:suggestion_accept", args=[suggestion.pk]))
    draft = message.versions.get(number=2)
    assert draft.status == "draft"
    assert "Your finance team loses four days" in draft.body
    suggestion.refresh_from_db()
    assert suggestion.accepted_into == draft
    history = client.get(reverse("messaging:version_detail", args=[message.pk, 2])).content.decode()
    assert "wording from sales" in history.lower()
    for rep in wordings:
        assert rep.get_full_name() in history

    # 5. Publishing it notifies the three salespeople.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("messaging:draft_publish", args=[message.pk]),
            {"change_summary": "Sales wording"},
        )
    shipped = Notification.objects.filter(kind="wording_shipped")
    assert {n.recipient for n in shipped} == set(wordings)
    page = client_for(rep_a).get(reverse("notifications:notification_list")).content.decode()
    assert "Your wording is now in v2 of “Value proposition for CFOs”" in page
