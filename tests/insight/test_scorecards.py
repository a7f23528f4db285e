"""List and vendor scorecards, on the hand-worked story of conftest.scorecard_story."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from insight import selectors
from leads import services as lead_services
from leads.models import LeadList
from tests.support.factories import LeadFactory


def csv_rows(client, url, params=None):
    return list(csv.reader(io.StringIO(client.get(url, params or {}).content.decode("utf-8-sig"))))


def by_name(report):
    return {card.name: card for card in report.rows}


def test_per_list_figures_are_the_hand_computed_ones(scorecard_story, marketer):
    report = selectors.scorecards(user=marketer, filters={})
    cards = by_name(report)
    vendor, show = cards["Vendor A"], cards["Show B"]

    # Vendor A: 4 leads; only A1 reached a person (A2's voicemail is not a contact).
    assert (vendor.leads, vendor.contacted, vendor.contact_rate) == (4, 1, 0.25)
    # Touched: A1 at 2 h, A2 at 4 h → median 3 h; A3 and A4 untouched.
    assert (vendor.touched, vendor.median_first_touch) == (2, timedelta(hours=3))
    assert (vendor.disqualified, vendor.disqualification_rate) == (1, 0.25)
    assert [(name, n) for _pk, name, n in vendor.reasons] == [("No budget", 1)]
    assert (vendor.opportunities, vendor.conversion) == (1, 0.25)
    assert vendor.won_revenue == Decimal("1000")
    assert vendor.revenue_per_lead == Decimal("250")

    # Show B: B1 replied, B3 booked a meeting; B2 never answered.
    assert (show.leads, show.contacted) == (3, 2)
    # Touched at 10 h, 1 h and 6 h → median 6 h.
    assert (show.touched, show.median_first_touch) == (3, timedelta(hours=6))
    assert [(name, n) for _pk, name, n in show.reasons] == [("Bad contact data", 1)]
    assert show.opportunities == 2  # B1 open, B3 won
    # B3's 300 were won in USD: not part of the EUR figures.
    assert show.won_revenue == Decimal("0")


def test_won_revenue_is_in_the_chosen_currency(scorecard_story, marketer):
    cards = by_name(selectors.scorecards(user=marketer, filters={"currency": "USD"}))
    assert cards["Show B"].won_revenue == Decimal("300")
    assert cards["Vendor A"].won_revenue == Decimal("0")


def test_ranked_by_won_revenue_per_lead_then_by_any_column(scorecard_story, marketer):
    def order(o=None):
        filters = {"o": o} if o else {}
        return [card.name for card in selectors.scorecards(user=marketer, filters=filters).rows]

    assert order() == ["Vendor A", "Show B"]  # 250 EUR per lead against 0
    assert order("-contact_rate") == ["Show B", "Vendor A"]  # 2/3 against 1/4
    assert order("median_first_touch") == ["Vendor A", "Show B"]  # 3 h against 6 h
    assert order("-median_first_touch") == ["Show B", "Vendor A"]
    assert order("-leads") == ["Vendor A", "Show B"]
    assert order("-conversion") == ["Show B", "Vendor A"]
    assert order("name") == ["Show B", "Vendor A"]
    assert order("-disqualification_rate") == ["Show B", "Vendor A"]  # 1/3 against 1/4


def test_per_source_and_filters(scorecard_story, marketer):
    cards = by_name(selectors.scorecards(user=marketer, filters={"by": "source"}))
    assert set(cards) == {"Webinar", "Trade show"}
    assert cards["Webinar"].leads == 4
    only = selectors.scorecards(user=marketer, filters={"source": "Trade show"})
    assert [card.name for card in only.rows] == ["Show B"]
    long_ago = (scorecard_story["leads"]["A1"].created_at - timedelta(days=30)).date()
    before = selectors.scorecards(
        user=marketer,
        filters={
            "since": long_ago.isoformat(),
            "until": (long_ago + timedelta(days=1)).isoformat(),
        },
    )
    assert before.rows == []


def test_a_manager_scores_only_their_teams_leads(scorecard_story, manager_a):
    cards = by_name(selectors.scorecards(user=manager_a, filters={}))
    # rep_a's A1..A3 only: A4 is nobody's yet and Show B is team B's.
    assert list(cards) == ["Vendor A"]
    assert cards["Vendor A"].leads == 3


def test_page_csv_and_roles(scorecard_story, client_for, marketer, manager_a, rep_a):
    response = client_for(marketer).get(reverse("insight:scorecards"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Vendor A" in body and "250" in body
    drill_down = reverse("insight:disqualifications")
    assert f"{drill_down}?lead_list={scorecard_story['vendor'].pk}" in body
    rows = csv_rows(client_for(marketer), reverse("insight:scorecards_csv"))
    assert rows[0][0] == "Lead list"
    assert rows[1][:4] == ["Vendor A", "4", "1", "0.25"]
    assert client_for(rep_a).get(reverse("insight:scorecards")).status_code == 403
    assert client_for(manager_a).get(reverse("insight:scorecards")).status_code == 200


def test_list_names_that_look_like_formulas_are_neutralised_in_the_csv(db, client_for, marketer):
    LeadFactory(lead_list=LeadList.objects.create(name="=cmd|' /C calc'!A0", source="x"))
    LeadFactory(lead_list=LeadList.objects.create(name="\t+1", source="x"))
    rows = csv_rows(client_for(marketer), reverse("insight:scorecards_csv"))
    names = sorted(row[0] for row in rows[1:])
    assert names == ["'\t+1", "'=cmd|' /C calc'!A0"]


def test_empty_state_says_what_good_looks_like(db, client_for, marketer):
    body = client_for(marketer).get(reverse("insight:scorecards")).content.decode()
    assert "No leads were created in this period" in body
    assert "A good list" in body


def _more_leads(n, rep, marketer, no_budget):
    """n more leads in fresh lists, each handed off, touched (a contact) and some
    disqualified or won, so that every query of the page has rows to join."""
    for index in range(n):
        lead_list = LeadList.objects.create(name=f"List {index}", source=f"Source {index % 3}")
        lead = LeadFactory(lead_list=lead_list, source=lead_list.source)
        lead_services.lead_handoff(leads=[lead], user=marketer, to_user=rep)
        lead_services.handoff_accept(handoff=lead.handoffs.get(), user=rep)
        for _ in range(3):
            lead_services.attempt_log(lead=lead, user=rep, channel="call", outcome="connected")
        if index % 2:
            lead_services.lead_disqualify(lead=lead, user=rep, reason=no_budget, note="No.")
        else:
            opportunity = lead_services.opportunity_create(lead=lead, user=rep, amount=Decimal(9))
            lead_services.opportunity_close(
                opportunity=opportunity, user=rep, won=True, amount=Decimal(9)
            )


@pytest.mark.parametrize("extra", [0, 12])
def test_the_page_is_a_fixed_number_of_queries(
    extra, scorecard_story, marketer, rep_a, no_budget, client_for, django_assert_max_num_queries
):
    _more_leads(extra, rep_a, marketer, no_budget)
    client = client_for(marketer)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("insight:scorecards"), {"o": "-contact_rate"})
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row"') == 2 + extra
