"""The admin is not a second way to decide: a suggestion's status and evidence are read
only there, and accepting from the admin goes through suggestion_accept."""

from django.urls import reverse

from feedback.models import Suggestion
from tests.feedback.conftest import SAID


def test_the_suggestion_status_is_read_only_in_the_admin(client_for, admin, rep_a, v1, log_call):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    client = client_for(admin)
    url = reverse("admin:feedback_suggestion_change", args=[suggestion.pk])
    form = client.get(url).content.decode()
    assert 'name="status"' not in form
    data = {
        "message": suggestion.message_id,
        "version": suggestion.version_id,
        "passage_key": suggestion.passage_key,
        "kind": suggestion.kind,
        "original_text": suggestion.original_text,
        "proposed_text": suggestion.proposed_text,
        "status": "accepted",
        "score": 999,
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
    }
    assert client.post(url, data).status_code == 302  # saved, without those fields
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.OPEN
    assert suggestion.score != 999


def test_accepting_from_the_admin_opens_the_draft_like_the_inbox(
    client_for, admin, rep_a, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    changelist = reverse("admin:feedback_suggestion_changelist")
    client_for(admin).post(
        changelist, {"action": "accept_suggestions", "_selected_action": [suggestion.pk]}
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED
    assert suggestion.accepted_into.is_draft
    assert suggestion.accepted_into.body == SAID
    assert suggestion.decided_by == admin
