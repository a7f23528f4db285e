"""The lead pages, for each role: who sees what, and the flows through the browser's eyes."""

import pytest
from django.urls import reverse

from leads import services
from leads.models import Attempt, Handoff, Lead, Opportunity
from tests.support.factories import LeadFactory, make_salesperson


def htmx(client, url, data=None, target="", **headers):
    headers = {"HX-Request": "true", "HX-Target": target, **headers}
    if data is None:
        return client.get(url, headers=headers)
    return client.post(url, data, headers=headers)


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url_name", "status"),
    [
        ("marketer", "leads:list", 200),
        ("manager_a", "leads:list", 200),
        ("rep_a", "leads:list", 403),
        ("rep_a", "leads:queue", 200),
        ("marketer", "leads:queue", 403),
        ("manager_a", "leads:team", 200),
        ("rep_a", "leads:team", 403),
        ("marketer", "leads:report", 200),
        ("manager_a", "leads:report", 403),
        ("admin", "leads:report", 200),
        ("admin", "leads:team", 200),
    ],
)
def test_each_page_is_for_its_roles(request, client_for, persona, url_name, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse(url_name)).status_code == status


def test_pages_need_a_login(client, db):
    response = client.get(reverse("leads:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_rep_b_cannot_open_rep_as_lead_and_manager_b_neither(
    client_for, rep_a, rep_b, manager_a, manager_b, handed_to
):
    lead = handed_to(rep_a)
    url = reverse("leads:detail", args=[lead.pk])
    assert client_for(rep_b).get(url).status_code == 404
    assert client_for(manager_b).get(url).status_code == 404
    assert client_for(manager_a).get(url).status_code == 200
    assert client_for(rep_a).get(url).status_code == 200


def test_a_managers_lead_list_shows_only_their_teams_leads(
    client_for, manager_a, rep_a, rep_b, handed_to
):
    mine, theirs = handed_to(rep_a), handed_to(rep_b)
    text = client_for(manager_a).get(reverse("leads:list")).content.decode()
    assert str(mine) in text and str(theirs) not in text


# --- marketing: list, entry, qualification, handoff ----------------------------------


def test_marketer_filters_the_lead_list_and_gets_only_the_table_with_htmx(client_for, marketer):
    LeadFactory(first_name="Ada", last_name="Lovelace", source="Trade show")
    LeadFactory(first_name="Grace", last_name="Hopper", source="Webinar")
    client = client_for(marketer)
    response = htmx(client, reverse("leads:list") + "?source=Trade+show", target="lead-table")
    text = response.content.decode()
    assert "Ada Lovelace" in text and "Grace Hopper" not in text
    assert "<html" not in text and 'id="lead-table"' in text
    empty = client.get(reverse("leads:list") + "?q=nobody").content.decode()
    assert "No lead matches these filters" in empty


def test_marketer_adds_a_lead_by_hand_and_a_duplicate_email_keeps_the_form(client_for, marketer):
    client = client_for(marketer)
    data = {"first_name": "Ada", "last_name": "L", "email": "Ada@X.example", "company": "Engines"}
    response = client.post(reverse("leads:create"), data)
    lead = Lead.objects.get(email="ada@x.example")
    assert response.url == reverse("leads:detail", args=[lead.pk])
    assert lead.account.name == "Engines"
    again = client.post(reverse("leads:create"), {**data, "first_name": "Typed again"})
    assert "A lead with this email already exists." in again.content.decode()
    assert 'value="Typed again"' in again.content.decode()


def test_marketer_qualifies_and_hands_off_in_bulk_with_a_play(client_for, marketer, rep_a, play):
    leads = LeadFactory.create_batch(3)
    client = client_for(marketer)
    ids = [lead.pk for lead in leads]
    client.post(reverse("leads:qualify"), {"lead": ids})
    assert set(Lead.objects.values_list("status", flat=True)) == {"mql"}
    form = client.get(reverse("leads:handoff"), {"lead": ids})
    assert form.status_code == 200 and str(leads[0]) in form.content.decode()
    response = client.post(
        reverse("leads:handoff"),
        {"lead": ids, "assign": "person", "salesperson": rep_a.pk, "play": play.pk, "note": "Hot"},
    )
    assert response.status_code == 302
    assert Handoff.objects.filter(to_user=rep_a, play=play, note="Hot").count() == 3


def test_the_handoff_form_says_what_is_missing_and_keeps_the_note(client_for, marketer, team_a):
    lead = LeadFactory()
    response = client_for(marketer).post(
        reverse("leads:handoff"), {"lead": [lead.pk], "assign": "person", "note": "Keep me"}
    )
    text = response.content.decode()
    assert "Choose the salesperson." in text and "Keep me" in text
    assert not Handoff.objects.exists()


# --- the salesperson's queue ------------------------------------------------------------


def test_the_queue_lists_overdue_first_then_by_next_step(client_for, rep_a, accepted_by, play):
    from datetime import timedelta

    from django.utils import timezone

    accepted_by(rep_a, play=play, first_name="Soon")
    late = accepted_by(rep_a, play=play, first_name="Late")
    touched = accepted_by(rep_a, play=play, first_name="Touched")
    services.attempt_log(lead=touched, user=rep_a, channel="call", outcome="connected")
    Lead.objects.filter(pk=late.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=1))
    text = client_for(rep_a).get(reverse("leads:queue")).content.decode()
    assert text.index("Late") < text.index("Soon") < text.index("Touched")
    # each lead shows its play with the live version of each step's message
    assert "Value proposition for CFOs" in text and "v1 live" in text
    assert "ROI email" in text


def test_rep_accepts_a_handoff_from_the_queue(client_for, rep_a, handed_to):
    lead = handed_to(rep_a)
    client = client_for(rep_a)
    assert "Accept lead" in client.get(reverse("leads:queue")).content.decode()
    client.post(reverse("leads:handoff_accept", args=[lead.handoffs.get().pk]))
    lead.refresh_from_db()
    assert lead.status == "accepted"


def test_the_second_rep_to_accept_a_team_offer_is_told_who_took_it(
    client_for, marketer, team_a, rep_a
):
    rep_c = make_salesperson("rep_c", team_a)
    rep_c.first_name = "Cleo"
    rep_c.last_name = "Park"
    rep_c.save()
    [offer] = services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
    assert "Offered to your team" in client_for(rep_a).get(reverse("leads:queue")).content.decode()
    services.handoff_accept(handoff=offer, user=rep_c)
    response = client_for(rep_a).post(reverse("leads:handoff_accept", args=[offer.pk]), follow=True)
    assert "Cleo Park accepted this lead first." in response.content.decode()


def test_rep_logs_an_attempt_in_two_clicks_and_gets_the_row_back(client_for, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    response = htmx(
        client_for(rep_a),
        reverse("leads:attempt_log", args=[lead.pk]),
        {"channel": "email", "outcome": "voicemail", "view": "queue"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert f'id="lead-{lead.pk}"' in text and "Attempt logged." in text and "1 attempt" in text
    attempt = Attempt.objects.get()
    assert (attempt.channel, attempt.outcome, attempt.salesperson) == ("email", "voicemail", rep_a)


def test_an_attempt_without_an_outcome_says_so_in_the_row(client_for, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    response = htmx(
        client_for(rep_a),
        reverse("leads:attempt_log", args=[lead.pk]),
        {"channel": "call", "view": "queue"},
    )
    assert "Choose a channel and an outcome." in response.content.decode()
    assert not Attempt.objects.exists()


def test_rep_b_cannot_log_an_attempt_on_rep_as_lead(client_for, rep_a, rep_b, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_b).post(
        reverse("leads:attempt_log", args=[lead.pk]), {"channel": "call", "outcome": "no_answer"}
    )
    assert response.status_code == 404


def test_the_disqualify_button_is_locked_and_says_why(client_for, rep_a, accepted_by, no_budget):
    lead = accepted_by(rep_a)
    client = client_for(rep_a)
    for _ in range(2):
        services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    text = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "2 of 3 attempts logged" in text and "disabled" in text
    refused = client.post(
        reverse("leads:disqualify", args=[lead.pk]), {"reason": no_budget.pk, "note": "Typed"}
    )
    assert refused.status_code == 422 and "2 of 3 attempts logged" in refused.content.decode()
    assert "Typed" in refused.content.decode()
    services.attempt_log(lead=lead, user=rep_a, channel="email", outcome="no_answer")
    done = client.post(
        reverse("leads:disqualify", args=[lead.pk]), {"reason": no_budget.pk, "note": "No budget"}
    )
    assert done.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "disqualified"


def test_rep_converts_to_an_opportunity_and_marks_it_won(client_for, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    client = client_for(rep_a)
    bad = client.post(
        reverse("leads:opportunity_create", args=[lead.pk]),
        {"name": "Big deal", "amount": "", "currency": "EUR", "stage": "discovery"},
    )
    assert bad.status_code == 422 and 'value="Big deal"' in bad.content.decode()
    client.post(
        reverse("leads:opportunity_create", args=[lead.pk]),
        {"name": "Big deal", "amount": "20000", "currency": "EUR", "stage": "proposal"},
    )
    client.post(
        reverse("leads:opportunity_close", args=[lead.pk]), {"result": "won", "amount": "25000"}
    )
    opportunity = Opportunity.objects.get()
    assert (opportunity.stage, opportunity.amount, opportunity.lead.status) == (
        "won",
        25000,
        "won",
    )


# --- the manager --------------------------------------------------------------------


def test_manager_sees_the_team_and_reassigns_a_lead(
    client_for, manager_a, team_a, rep_a, handed_to
):
    rep_c = make_salesperson("rep_c", team_a)
    lead = handed_to(rep_a)
    client = client_for(manager_a)
    text = client.get(reverse("leads:team")).content.decode()
    assert "rep_a" in text or rep_a.get_full_name() in text
    assert str(lead) in text
    client.post(
        reverse("leads:reassign", args=[lead.pk]), {"to_user": rep_c.pk, "note": "Ravi is on leave"}
    )
    lead.refresh_from_db()
    assert lead.owner == rep_c


def test_manager_b_cannot_reassign_team_as_lead(client_for, manager_b, rep_a, rep_b, handed_to):
    lead = handed_to(rep_a)
    response = client_for(manager_b).post(
        reverse("leads:reassign", args=[lead.pk]), {"to_user": rep_b.pk, "note": "x"}
    )
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.owner == rep_a


# --- marketing's report -------------------------------------------------------------


def test_the_report_counts_reasons_by_lead_list_so_a_bad_vendor_shows(
    client_for, marketer, rep_a, accepted_by, no_budget, sla, agree
):
    from leads.models import DisqualificationReason, LeadList

    agree(min_attempts_before_disqualify=0)
    bad_data = DisqualificationReason.objects.get_or_create(name="Bad contact data")[0]
    cheap = LeadList.objects.create(name="Cheap vendor", source="Cheap", status="done")
    good = LeadList.objects.create(name="Good vendor", source="Good", status="done")
    for lead_list, reason in [(cheap, bad_data), (cheap, bad_data), (good, no_budget)]:
        lead = accepted_by(rep_a, lead_list=lead_list, source=lead_list.source)
        services.lead_disqualify(lead=lead, user=rep_a, reason=reason, note="n")
    client = client_for(marketer)
    response = htmx(client, reverse("leads:report") + "?by=lead_list", target="report-table")
    text = response.content.decode()
    assert "<html" not in text
    assert text.index("Cheap vendor") < text.index("Good vendor")  # most disqualified first
    for by in ("source", "persona", "month"):
        assert client.get(reverse("leads:report"), {"by": by}).status_code == 200


@pytest.mark.parametrize(
    ("persona", "page"),
    [("marketer", "leads:list"), ("manager_a", "leads:team"), ("rep_a", "leads:queue")],
)
def test_leads_home_takes_each_role_to_its_page(request, client_for, persona, page):
    response = client_for(request.getfixturevalue(persona)).get(reverse("leads:home"))
    assert response.url == reverse(page)
