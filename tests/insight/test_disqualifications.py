"""The disqualification drill-down, on conftest.scorecard_story: A2 (rep_a, Vendor A,
No budget) and B2 (rep_b, Show B, Bad contact data) are the disqualified leads."""

import csv
import io

import pytest
from django.urls import reverse

from insight import selectors
from leads import services as lead_services
from tests.support.factories import LeadFactory


def test_lists_every_disqualified_lead_with_reason_note_and_rep(scorecard_story, marketer):
    report = selectors.disqualifications(user=marketer, filters={})
    leads = scorecard_story["leads"]
    assert {lead.pk for lead in report.leads} == {leads["A2"].pk, leads["B2"].pk}
    assert [(name, n) for _pk, name, n in report.counts] == [
        ("Bad contact data", 1),
        ("No budget", 1),
    ]
    assert report.total == 2


def test_filters_narrow_the_list_and_counts_ignore_the_reason_filter(
    scorecard_story, marketer, no_budget, rep_b
):
    vendor = scorecard_story["vendor"]
    by_list = selectors.disqualifications(user=marketer, filters={"lead_list": vendor.pk})
    assert [lead.email for lead in by_list.leads] == [scorecard_story["leads"]["A2"].email]
    by_reason = selectors.disqualifications(user=marketer, filters={"reason": no_budget.pk})
    assert by_reason.leads.count() == 1
    # The counts still show every reason, so the other one is a click away.
    assert by_reason.total == 2
    by_rep = selectors.disqualifications(user=marketer, filters={"rep": rep_b.pk})
    assert [lead.owner for lead in by_rep.leads] == [rep_b]
    by_source = selectors.disqualifications(user=marketer, filters={"source": "Trade show"})
    assert by_source.leads.count() == 1
    gone = selectors.disqualifications(
        user=marketer, filters={"since": "2001-01-01", "until": "2001-12-31"}
    )
    assert (gone.leads.count(), gone.total) == (0, 0)


def test_a_manager_sees_only_their_teams_leads(scorecard_story, manager_a):
    report = selectors.disqualifications(user=manager_a, filters={})
    assert [lead.email for lead in report.leads] == [scorecard_story["leads"]["A2"].email]
    assert [(name, n) for _pk, name, n in report.counts] == [("No budget", 1)]


def test_page_escapes_the_note_and_links_each_count(
    scorecard_story, client_for, marketer, no_budget
):
    response = client_for(marketer).get(reverse("insight:disqualifications"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    assert f"?reason={no_budget.pk}" in body
    assert "Budget frozen until Q3." in body


def test_csv_neutralises_formulas(scorecard_story, client_for, marketer):
    response = client_for(marketer).get(reverse("insight:disqualifications_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Disqualified at", "Lead", "Email", "Reason", "Note"]
    notes = {row[3]: row[4] for row in rows[1:]}
    assert notes["Bad contact data"] == '\'=HYPERLINK("http://example.com") number bounced'


def test_roles(scorecard_story, client_for, rep_a, manager_a):
    assert client_for(rep_a).get(reverse("insight:disqualifications")).status_code == 403
    assert client_for(manager_a).get(reverse("insight:disqualifications")).status_code == 200


def test_empty_state(db, client_for, marketer):
    body = client_for(marketer).get(reverse("insight:disqualifications")).content.decode()
    assert "No disqualified lead matches these filters" in body


@pytest.mark.parametrize("extra", [0, 15])
def test_the_page_is_a_fixed_number_of_queries(
    extra, scorecard_story, marketer, rep_a, no_budget, client_for, django_assert_max_num_queries
):
    for index in range(extra):
        lead = LeadFactory(source=f"Source {index % 4}")
        lead_services.lead_handoff(leads=[lead], user=marketer, to_user=rep_a)
        lead_services.handoff_accept(handoff=lead.handoffs.get(), user=rep_a)
        for _ in range(3):
            lead_services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
        lead_services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note=f"N{index}")
    client = client_for(marketer)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("insight:disqualifications"), {"page": 2 if extra else 1})
    assert response.status_code == 200
