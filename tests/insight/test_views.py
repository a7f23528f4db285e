"""Both insight pages and their CSV downloads: who may see them, what they show, and a
query count that does not grow with the data."""

import csv
import io

import pytest
from django.urls import reverse

from tests.support.factories import LeadFactory

PAGES = ["insight:attribution", "insight:loop_health"]
CSVS = [("insight:attribution_csv", "revenue"), ("insight:loop_health_csv", "reasons")]


@pytest.mark.parametrize("persona", ["marketer", "manager_a", "admin"])
@pytest.mark.parametrize("page", PAGES)
def test_leadership_sees_the_pages(request, client_for, attribution_story, persona, page):
    response = client_for(request.getfixturevalue(persona)).get(reverse(page))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<title id=" in body and "<desc id=" in body
    assert "<details" in body and ".csv" in body


@pytest.mark.parametrize("page", PAGES)
def test_salespeople_are_refused(client_for, rep_a, page):
    assert client_for(rep_a).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("name, key", CSVS)
def test_salespeople_cannot_download_csv(client_for, rep_a, name, key):
    assert client_for(rep_a).get(reverse(name, args=[key])).status_code == 403


def test_navigation_shows_insight_to_managers_not_to_reps(client_for, manager_a, rep_a):
    assert "Loop health" in client_for(manager_a).get(reverse("home")).content.decode()
    assert "Loop health" not in client_for(rep_a).get(reverse("home")).content.decode()


def test_attribution_csv_carries_the_tables_numbers_with_the_same_filters(
    client_for, marketer, attribution_story, v2
):
    response = client_for(marketer).get(
        reverse("insight:attribution_csv", args=["revenue"]), {"model": "last", "currency": "USD"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Pipeline USD", "Won revenue USD"]
    v2_row = next(row for row in rows if row[0].endswith("v2"))
    # Last touch, USD: C's 300 won; opportunities count A, C and E across currencies.
    assert v2_row[1:4] == ["3", "3", "3"]
    assert v2_row[-2:] == ["300.00", "300.00"]


def test_unknown_csv_is_404(client_for, marketer):
    assert (
        client_for(marketer).get(reverse("insight:loop_health_csv", args=["nope"])).status_code
        == 404
    )


def test_csv_cells_cannot_start_a_formula(client_for, marketer, loop_story, rep_a):
    from leads.models import DisqualificationReason, Lead

    DisqualificationReason.objects.filter(name="No budget").update(name="=HYPERLINK(1)")
    response = client_for(marketer).get(reverse("insight:loop_health_csv", args=["reasons"]))
    assert "'=HYPERLINK(1)" in response.content.decode()
    assert Lead.objects.exists()


def test_invalid_filters_keep_the_input_and_say_what_is_wrong(client_for, marketer):
    response = client_for(marketer).get(
        reverse("insight:loop_health"), {"since": "2026-05-01", "until": "2026-04-01"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-05-01"' in body and 'value="2026-04-01"' in body
    assert "Choose an end on or after the start." in body
    csv_response = client_for(marketer).get(
        reverse("insight:loop_health_csv", args=["reasons"]), {"since": "x"}
    )
    assert csv_response.status_code == 400


def test_htmx_request_gets_only_the_figures(client_for, marketer, attribution_story):
    response = client_for(marketer).get(
        reverse("insight:attribution"), {"model": "first"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="figures">')
    assert "<script" not in body


def test_empty_database_shows_empty_states(client_for, marketer):
    assert (
        "No version has been used in a call yet"
        in client_for(marketer).get(reverse("insight:attribution")).content.decode()
    )
    assert (
        "No lead was handed off in this period."
        in client_for(marketer).get(reverse("insight:loop_health")).content.decode()
    )


def _grow(rep_a, rep_b, v1, v2, accepted_by, call, deal, times):
    """More leads, calls and deals of every kind, to show the query count stays put."""
    for n in range(times):
        rep = rep_a if n % 2 else rep_b
        lead = accepted_by(rep, source=f"Source {n % 3}")
        call(rep, v1 if n % 2 else v2, lead, n % 5 + 1, n % 5 + 1)
        if n % 3:
            deal(lead, rep, f"{100 + n}", currency="EUR" if n % 4 else "USD",
                 result="won" if n % 2 else None)  # fmt: skip
    for _ in range(times):
        LeadFactory()


@pytest.mark.parametrize("page, budget", [("insight:attribution", 9), ("insight:loop_health", 15)])
def test_query_count_does_not_grow_with_the_data(
    client_for, marketer, attribution_story, loop_story, rep_a, rep_b, v1, v2, accepted_by,
    call, deal, django_assert_max_num_queries, page, budget,
):  # fmt: skip
    client = client_for(marketer)
    client.get(reverse(page))  # warm the session and caches
    with django_assert_max_num_queries(budget) as small_queries:
        small = client.get(reverse(page), {"model": "linear"})
    _grow(rep_a, rep_b, v1, v2, accepted_by, call, deal, times=12)
    with django_assert_max_num_queries(budget) as large_queries:
        large = client.get(reverse(page), {"model": "linear"})
    assert small.status_code == large.status_code == 200
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)


def test_attribution_shows_one_ranked_page_and_the_csv_every_version(
    client_for, marketer, monkeypatch
):
    from insight import selectors
    from tests.support.messaging_factories import make_message, publish

    versions = [
        publish(make_message(marketer, title=f"M{i}", body="x"), marketer) for i in range(3)
    ]
    from feedback.models import VersionStats

    for calls, version in zip((5, 9, 7), versions, strict=True):
        VersionStats.objects.create(version=version, uses=calls, reaction_5=calls)
    # Figures written directly, not through the engine: rank them as its rebuild would.
    from insight.services import version_ranks_refresh

    version_ranks_refresh(version_ids=[version.pk for version in versions])
    monkeypatch.setattr("insight.selectors.attribution.PAGE_SIZE", 2)  # where it is read
    report = selectors.attribution_report(filters={}, page=1)
    assert [row.calls for row in report.rows] == [9, 7]  # no revenue yet: ranked by calls
    assert report.page_obj.paginator.count == 3
    second = selectors.attribution_report(filters={}, page=2)
    assert [row.calls for row in second.rows] == [5]
    everything = selectors.attribution_report(filters={})
    assert sorted(row.calls for row in everything.rows) == [5, 7, 9]
    page = client_for(marketer).get("/insight/attribution/?page=2").content.decode()
    assert "3–3 of 3 versions used in calls" in page
