"""Who may do what in feedback, told as stories. The services and the pages ask the same
policies, so these are the rules both follow."""

import pytest
from django.core.exceptions import PermissionDenied

from feedback import services
from feedback.models import CallLog, Suggestion
from feedback.policies import CallLogPolicy, ObjectionPolicy, SuggestionPolicy
from tests.feedback.conftest import SAID


@pytest.fixture
def call(rep_a, v1, log_call):
    """rep_a's call on v1, with a change to the second paragraph."""
    return log_call(rep_a, v1, said=SAID)


@pytest.fixture
def suggestion(call):
    return Suggestion.objects.get()


def test_rep_a_logs_calls_on_her_own_leads_only(rep_a, rep_b, marketer, accepted_by):
    lead = accepted_by(rep_a)
    assert CallLogPolicy(rep_a).can_log_on(lead)
    assert CallLogPolicy(rep_b).can_log_on(lead).reason == (
        "You can only log calls on your own leads."
    )
    assert CallLogPolicy(marketer).can_log_on(lead).reason == "Only salespeople log calls."


def test_rep_b_cannot_see_rep_as_call_but_her_manager_and_marketing_can(
    call, rep_a, rep_b, manager_a, manager_b, marketer, admin
):
    for person in (rep_a, manager_a, marketer, admin):
        assert CallLogPolicy(person, call).can_view(), person
    for person in (rep_b, manager_b):
        assert not CallLogPolicy(person, call).can_view(), person


def test_which_calls_a_person_sees_follows_which_leads_they_see(call, rep_a, rep_b, manager_a):
    from leads.models import Lead

    assert list(CallLog.objects.visible_to(rep_a)) == [call]
    assert list(CallLog.objects.visible_to(manager_a)) == [call]
    assert not CallLog.objects.visible_to(rep_b).exists()
    assert not Lead.objects.for_user(rep_b).filter(pk=call.lead_id).exists()


def test_the_marketer_decides_on_an_open_suggestion(suggestion, marketer, admin):
    for person in (marketer, admin):
        policy = SuggestionPolicy(person, suggestion)
        assert policy.can_accept() and policy.can_reject()


def test_rep_a_talks_about_her_suggestion_but_does_not_decide_it(suggestion, rep_a):
    policy = SuggestionPolicy(rep_a, suggestion)
    assert policy.can_view() and policy.can_comment()
    assert policy.can_accept().reason == "Only marketing decides on suggestions."
    assert not policy.can_see_leads()


def test_rep_b_and_the_managers_stay_out_of_the_thread(suggestion, rep_b, manager_a):
    for person in (rep_b, manager_a):
        decision = SuggestionPolicy(person, suggestion).can_comment()
        assert decision.reason == (
            "Only marketing and the contributing salespeople take part here."
        )
        with pytest.raises(PermissionDenied, match="contributing salespeople"):
            services.suggestion_comment(suggestion=suggestion, user=person, body="Hi")


def test_a_decided_suggestion_says_it_is_already_decided(suggestion, marketer):
    services.suggestion_reject(suggestion=suggestion, user=marketer, reason="Too long")
    suggestion.refresh_from_db()
    assert SuggestionPolicy(marketer, suggestion).can_accept().reason == (
        "This suggestion is already rejected."
    )


def test_the_page_shows_the_decision_buttons_to_marketing_only(
    client_for, suggestion, marketer, rep_a
):
    url = f"/feedback/suggestions/{suggestion.pk}/"
    assert "Accept into the draft" in client_for(marketer).get(url).content.decode()
    as_rep = client_for(rep_a).get(url).content.decode()
    assert "Accept into the draft" not in as_rep
    assert "Add comment" in as_rep


def test_marketing_manages_the_objection_list(marketer, rep_a):
    assert ObjectionPolicy(marketer).can_manage()
    assert ObjectionPolicy(rep_a).can_manage().reason == "Only marketing manages objections."
