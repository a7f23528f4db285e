"""Feedback pages per role, with what a user keeps on errors and fixed query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import CallLog, ObjectionTag, Suggestion
from tests.feedback.conftest import SAID


def form_data(lead, version, **overrides):
    data = {
        "lead": lead.pk,
        "version": version.pk,
        "channel": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reaction": 4,
        "outcome": "meeting_booked",
        "edited_body": version.body,
    }
    data.update(overrides)
    return data


def test_the_form_is_prefilled_with_the_plays_live_version(client_for, rep_a, play, accepted_by):
    lead = accepted_by(rep_a, play=play)
    html = (
        client_for(rep_a)
        .get(reverse("feedback:call_log_create"), {"lead": lead.pk})
        .content.decode()
    )
    assert "We cut month-end close by two days." in html
    assert "Value proposition for CFOs · v1 (live)" in html


def test_a_failed_save_keeps_everything_typed(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"),
        form_data(lead, v1, reaction="", quote="They laughed at four days", edited_body=SAID),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in html
    assert "They laughed at four days" in html
    assert "Your finance team loses four days" in html
    assert not CallLog.objects.exists()


def test_a_call_in_the_future_is_refused_with_a_message(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"), form_data(lead, v1, occurred_at="2999-01-01T10:00")
    )
    assert "cannot be logged in the future" in response.content.decode()


def test_a_rep_cannot_log_on_another_reps_lead(client_for, rep_a, rep_b, v1, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_b).post(reverse("feedback:call_log_create"), form_data(lead, v1))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not CallLog.objects.exists()


def test_a_draft_posted_as_the_version_used_is_refused_by_the_form(
    client_for, rep_a, marketer, v1, accepted_by
):
    # The form takes the lead and version the view has read from its own choices as
    # valid without reading them again; a version outside the choices is still checked.
    from messaging import services as messaging_services

    draft = messaging_services.draft_create(message=v1.message, user=marketer)
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"), form_data(lead, draft, edited_body=draft.body)
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not CallLog.objects.exists()


def test_logging_a_call_redirects_to_it(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"), form_data(lead, v1, edited_body=SAID)
    )
    call = CallLog.objects.get()
    assert response["Location"] == reverse("feedback:call_log_detail", args=[call.pk])
    page = client_for(rep_a).get(response["Location"]).content.decode()
    assert "<ins>Your finance team loses</ins>" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("rep_a", 200), ("manager_a", 200), ("marketer", 200), ("rep_b", 404), ("manager_b", 404)],
)
def test_call_logs_are_private_to_the_rep_their_manager_and_marketing(
    request, client_for, rep_a, v1, log_call, persona, status
):
    call = log_call(rep_a, v1, notes="Customer is switching CFO next month")
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("feedback:call_log_detail", args=[call.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), [("marketer", 200), ("rep_a", 200), ("rep_b", 404),
                                                 ("manager_a", 404)])  # fmt: skip
def test_a_suggestion_is_seen_by_marketing_and_its_contributors(
    request, client_for, rep_a, v1, log_call, persona, status
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    user = request.getfixturevalue(persona)
    assert (
        client_for(user)
        .get(reverse("feedback:suggestion_detail", args=[suggestion.pk]))
        .status_code
        == status
    )


@pytest.mark.parametrize(
    ("name", "method"), [("suggestion_inbox", "get"), ("objection_list", "get")]
)
@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_sales_does_not_open_marketings_pages(request, client_for, name, method, persona):
    user = request.getfixturevalue(persona)
    assert getattr(client_for(user), method)(reverse(f"feedback:{name}")).status_code == 403


def test_marketing_cannot_open_the_call_log_form(client_for, marketer):
    assert client_for(marketer).get(reverse("feedback:call_log_create")).status_code == 403


def test_a_contributor_reads_the_reason_marketing_declined(
    client_for, rep_a, marketer, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    client_for(marketer).post(
        reverse("feedback:suggestion_reject", args=[suggestion.pk]), {"reason": "Legal said no."}
    )
    page = client_for(rep_a).get(reverse("feedback:suggestion_detail", args=[suggestion.pk]))
    assert "Legal said no." in page.content.decode()
    mine = client_for(rep_a).get(reverse("feedback:my_wording")).content.decode()
    assert "Rejected" in mine


def test_marketing_approves_a_proposed_objection(client_for, marketer, rep_a):
    tag = ObjectionTag.objects.create(name="Switching cost", status="proposed", proposed_by=rep_a)
    client_for(marketer).post(reverse("feedback:objection_list"), {"approve": tag.pk})
    tag.refresh_from_db()
    assert tag.status == "approved"


def test_the_wording_partial_loads_another_versions_text(client_for, rep_a, v1):
    response = client_for(rep_a).get(
        reverse("feedback:call_log_wording"), {"version": v1.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="passages-page"' in html and "Finance teams lose four days" in html
    assert "<html" not in html


@pytest.mark.parametrize("calls", [2, 25])
def test_inbox_and_call_log_form_run_a_fixed_number_of_queries(
    client_for,
    marketer,
    rep_a,
    rep_b,
    v1,
    log_call,
    accepted_by,
    django_assert_max_num_queries,
    calls,
):
    for i in range(calls):
        rep = rep_a if i % 2 else rep_b
        log_call(rep, v1, said=SAID.replace("four", f"{i + 4}"), quote=f"quote {i}")
    lead = accepted_by(rep_a)
    client = client_for(marketer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("feedback:suggestion_inbox")).status_code == 200
    suggestion = Suggestion.objects.first()
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("feedback:suggestion_detail", args=[suggestion.pk])).status_code
            == 200
        )
    client = client_for(rep_a)
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("feedback:call_log_create"), {"lead": lead.pk, "version": v1.pk}
        )
        assert response.status_code == 200


def test_a_salesperson_reaches_the_call_log_from_the_queue_and_sees_it_on_the_lead(
    client_for, rep_a, v1, accepted_by, log_call
):
    lead = accepted_by(rep_a, first_name="Petra")
    client = client_for(rep_a)
    queue = client.get(reverse("leads:queue")).content.decode()
    link = f"{reverse('feedback:call_log_create')}?lead={lead.pk}"
    assert link in queue and "Log a conversation with Petra" in queue
    log_call(rep_a, v1, lead=lead, quote="Six days for us.")
    detail = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Six days for us." in detail and "Value proposition for CFOs v1" in detail


def test_the_inbox_narrows_to_one_message_from_its_page_or_by_title(
    client_for, marketer, rep_a, v1, log_call
):
    from tests.support.messaging_factories import make_message, publish

    other = publish(make_message(marketer, title="ERP objection", body="We sit on top."), marketer)
    log_call(rep_a, v1, said=SAID)
    log_call(rep_a, other, said="We sit on top of your ERP, never replace it.")
    client = client_for(marketer)
    detail = client.get(reverse("messaging:message_detail", args=[v1.message_id])).content.decode()
    link = f"{reverse('feedback:suggestion_inbox')}?message={v1.message_id}"
    assert link in detail
    one = client.get(link).content.decode()
    assert "Only “Value proposition for CFOs”" in one and "ERP objection</a>" not in one
    by_title = client.get(reverse("feedback:suggestion_inbox"), {"title": "erp"}).content.decode()
    assert "ERP objection</a>" in by_title and "Value proposition for CFOs</a>" not in by_title
