"""A salesperson sees their own team's customer data.

Calls, their customer quotes and attempt notes are written down by one team's
salesperson about a customer. When the lead moves on (offered to another team after a
recycle), the new team sees the lead but not what the earlier team wrote; marketing
sees everything; a manager sees their teams'. A recycled lead's disqualification is
history from the earlier cycle, not its current state.
"""

import pytest
from django.urls import reverse

from feedback import services as feedback_services
from feedback.models import Suggestion
from leads import services
from leads.models import DisqualificationReason
from tests.feedback.conftest import SAID

NOTE = "Spoke to the CFO on her private number"
QUOTE = "We would switch vendors tomorrow"


@pytest.fixture
def moved_on(marketer, rep_a, team_b, rep_b, manager_b, accepted_by, v1, sla):
    """rep_a (team A) worked the lead, logged a call and attempts, disqualified it;
    marketing recycled it and offered it to team B."""
    lead = accepted_by(rep_a)
    call = feedback_services.call_log_create(
        user=rep_a, lead=lead, version=v1, reaction=4, outcome="interested", quote=QUOTE
    )
    for _ in range(3):
        services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer", note=NOTE)
    reason = DisqualificationReason.objects.get(name="No budget")
    services.lead_disqualify(lead=lead, user=rep_a, reason=reason, note="Budget frozen")
    services.lead_recycle(lead=lead, user=marketer)
    services.lead_handoff(leads=[lead], user=marketer, team=team_b)
    return lead, call


def page(client, user, lead):
    client.force_login(user)
    response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_new_team_sees_the_lead_but_not_the_earlier_teams_calls_or_notes(
    client, moved_on, rep_b
):
    lead, call = moved_on
    text = page(client, rep_b, lead)
    assert NOTE not in text
    assert QUOTE not in text
    assert reverse("feedback:call_log_detail", args=[call.pk]) not in text
    client.force_login(rep_b)
    assert client.get(reverse("feedback:call_log_detail", args=[call.pk])).status_code == 404


def test_the_new_teams_manager_does_not_see_them_either(client, moved_on, manager_b):
    lead, call = moved_on
    text = page(client, manager_b, lead)
    assert NOTE not in text and QUOTE not in text


def test_marketing_sees_every_teams_calls_and_notes(client, moved_on, marketer):
    lead, call = moved_on
    text = page(client, marketer, lead)
    assert NOTE in text and QUOTE in text


def test_a_recycled_leads_disqualification_is_shown_as_history(client, moved_on, marketer):
    lead, _ = moved_on
    text = page(client, marketer, lead)
    assert "<dt>Disqualified</dt>" not in text
    assert "Disqualified in an earlier cycle" in text and "Budget frozen" in text


def test_a_suggestion_shows_a_salesperson_only_their_own_teams_quotes(
    client, marketer, rep_a, rep_b, v1, log_call
):
    log_call(rep_a, v1, said=SAID, quote="Team A customer words")
    log_call(rep_b, v1, said=SAID, quote="Team B customer words")
    suggestion = Suggestion.objects.get()
    client.force_login(rep_a)
    text = client.get(reverse("feedback:suggestion_detail", args=[suggestion.pk])).content.decode()
    assert "Team A customer words" in text
    assert "Team B customer words" not in text
    client.force_login(marketer)
    text = client.get(reverse("feedback:suggestion_detail", args=[suggestion.pk])).content.decode()
    assert "Team A customer words" in text and "Team B customer words" in text


def test_a_passages_quotes_page_shows_a_salesperson_only_their_own_teams_quotes(
    client, rep_a, rep_b, v1, log_call
):
    key = v1.passages.order_by("position").first().key
    log_call(rep_a, v1, quote="Team A customer words", quote_passage_key=key)
    log_call(rep_b, v1, quote="Team B customer words", quote_passage_key=key)
    client.force_login(rep_a)
    url = reverse("feedback:passage_quotes", args=[v1.pk, key])
    text = client.get(url).content.decode()
    assert "Team A customer words" in text and "Team B customer words" not in text
