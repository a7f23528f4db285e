"""A salesperson corrects a call within 24 hours, and marketing's figures and
suggestions end up exactly as if the call had been logged right the first time."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import CallLog, ObjectionTag, PassageEdit, Suggestion, VersionStats
from leads.models import Attempt
from tests.feedback.conftest import BODY
from tests.support.messaging_factories import make_message, publish

WHEN = timezone.now() - timedelta(hours=1)
# One change each, to the same words in near wording: one suggestion, two variants.
SAID_P2 = "Finance teams lose four days a month reconciling spreadsheets by hand."
SAID_P2_TOO = "Finance teams lose four days a month reconciling spreadsheets all by hand."
SAID_P3 = "Book a 15-minute walkthrough."


def said(*, p2=None, p3=None):
    head, p2_text, p3_text = BODY.split("\n\n")
    return "\n\n".join([head, p2 or p2_text, p3 or p3_text])


def _figures(version):
    row = VersionStats.objects.values().get(version=version)
    return {k: v for k, v in row.items() if k not in {"id", "version_id", "updated_at"}}


def _suggestions(version):
    fields = ["kind", "original_text", "proposed_text", "status", "call_count", "rep_count",
              "with_positive", "without_positive", "with_wins", "without_wins",
              "without_count", "score"]  # fmt: skip
    return sorted(
        tuple(row[f] for f in fields)
        for row in Suggestion.objects.filter(version=version).values(*fields)
    )


@pytest.fixture
def world(marketer, rep_a, rep_c, log_call, accepted_by):
    """world(title) → a message on which rep_c made a well-received edit of passage 2."""

    def make(title):
        version = publish(make_message(marketer, title=title, body=BODY), marketer)
        log_call(rep_c, version, said=said(p2=SAID_P2), reaction=5, occurred_at=WHEN)
        return version

    return make


def test_a_corrected_call_counts_as_if_it_had_been_logged_right(
    rep_a, world, log_call, django_capture_on_commit_callbacks
):
    expensive = ObjectionTag.objects.create(name="Too expensive")
    # Logged wrong: negative, an edit of passage 2, an objection, "not now".
    wrong = world("Corrected")
    call = log_call(
        rep_a, wrong, said=said(p2=SAID_P2_TOO), reaction=2, outcome="not_now",
        objections=[expensive], occurred_at=WHEN,
    )  # fmt: skip
    assert Suggestion.objects.get(version=wrong).call_count == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_correct(
            call_log=call, user=rep_a, reaction=4, outcome="meeting_booked",
            edited_body=said(p3=SAID_P3), objections=[],
        )  # fmt: skip

    # Logged right the first time: positive, an edit of passage 3, no objection.
    right = world("Logged right")
    log_call(rep_a, right, said=said(p3=SAID_P3), reaction=4, outcome="meeting_booked",
             occurred_at=WHEN)  # fmt: skip

    assert _figures(wrong) == _figures(right)
    assert _figures(wrong)["reaction_2"] == 0 and _figures(wrong)["objections"] == {}
    assert _suggestions(wrong) == _suggestions(right)
    assert len(_suggestions(wrong)) == 2
    call.refresh_from_db()
    assert call.processed_at is not None
    assert [(e.original_text, e.edited_text) for e in call.passage_edits.all()] == [(" 20", " 15")]


def test_a_call_corrected_to_no_message_leaves_the_version(rep_a, world, log_call):
    version = world("Wrong message")
    call = log_call(rep_a, version, said=said(p2=SAID_P2_TOO), reaction=2, occurred_at=WHEN)
    services.call_log_correct(call_log=call, user=rep_a, version=None)
    call.refresh_from_db()
    assert call.version is None and not call.has_edits and call.edited_body == ""
    assert not PassageEdit.objects.filter(call_log=call).exists()
    assert _figures(version)["uses"] == 1
    assert Suggestion.objects.get(version=version).call_count == 1
    assert Attempt.objects.filter(lead=call.lead).count() == 1


def test_a_suggestion_left_without_edits_is_removed(rep_a, v1, log_call):
    call = log_call(rep_a, v1, said=said(p3=SAID_P3), reaction=2, occurred_at=WHEN)
    assert Suggestion.objects.filter(version=v1).count() == 1
    services.call_log_correct(call_log=call, user=rep_a, edited_body=v1.body)
    assert not Suggestion.objects.exists()
    assert _figures(v1)["edited_uses"] == 0


def test_only_the_salesperson_who_logged_it_may_correct_it(rep_a, rep_c, v1, log_call):
    call = log_call(rep_a, v1, reaction=2)
    with pytest.raises(PermissionDenied, match="Only the salesperson who logged"):
        services.call_log_correct(call_log=call, user=rep_c, reaction=4)
    assert CallLog.objects.get().reaction == 2


def test_a_call_cannot_be_corrected_after_24_hours(rep_a, v1, log_call):
    call = log_call(rep_a, v1, reaction=2)
    CallLog.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call.refresh_from_db()
    with pytest.raises(PermissionDenied, match="within 24 hours"):
        services.call_log_correct(call_log=call, user=rep_a, reaction=4)


# --- The pages --------------------------------------------------------------------------


def test_the_call_page_offers_correct_only_to_its_salesperson_in_time(
    client_for, rep_a, manager_a, v1, log_call
):
    call = log_call(rep_a, v1, reaction=2)
    url = reverse("feedback:call_log_detail", args=[call.pk])
    assert 'data-action="correct"' in client_for(rep_a).get(url).content.decode()
    assert 'data-action="correct"' not in client_for(manager_a).get(url).content.decode()
    CallLog.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert 'data-action="correct"' not in client_for(rep_a).get(url).content.decode()


def test_the_correction_form_is_prefilled_with_what_was_logged(client_for, rep_a, v1, log_call):
    call = log_call(rep_a, v1, said=said(p2=SAID_P2), reaction=2, quote="Six days")
    html = (
        client_for(rep_a).get(reverse("feedback:call_log_correct", args=[call.pk])).content.decode()
    )
    assert SAID_P2 in html and "Six days" in html
    assert 'name="reaction" value="2" id="id_reaction_1" required checked' in html


def test_correcting_through_the_page(client_for, rep_a, v1, log_call):
    call = log_call(rep_a, v1, said=said(p2=SAID_P2), reaction=2)
    data = {
        "lead": call.lead_id, "version": v1.pk, "channel": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reaction": 5, "outcome": "interested",
    }  # fmt: skip
    for passage in v1.passages.all():
        data["passage_" + passage.key] = passage.text
    response = client_for(rep_a).post(reverse("feedback:call_log_correct", args=[call.pk]), data)
    assert response["Location"] == reverse("feedback:call_log_detail", args=[call.pk])
    call.refresh_from_db()
    assert (call.reaction, call.outcome, call.has_edits) == (5, "interested", False)
    assert CallLog.objects.count() == 1 and Attempt.objects.filter(lead=call.lead).count() == 1


def test_a_late_correction_is_refused_with_the_reason(client_for, rep_a, admin, v1, log_call):
    call = log_call(rep_a, v1, reaction=2)
    url = reverse("feedback:call_log_correct", args=[call.pk])
    other = client_for(admin).post(url, {"reaction": 5})
    assert other.status_code == 403
    assert "Only the salesperson who logged this call" in other.content.decode()
    CallLog.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(hours=25))
    late = client_for(rep_a).post(url, {"reaction": 5})
    assert late.status_code == 403 and "within 24 hours" in late.content.decode()
    assert CallLog.objects.get().reaction == 2
