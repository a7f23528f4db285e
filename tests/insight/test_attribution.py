"""Attribution figures checked against numbers worked out by hand from the story in
conftest.attribution_story (calls in time order per lead):

    A: v1, v2          1000 EUR won     first v1, last v2, linear v1 ½ + v2 ½
    B: v1, v1, v3       600 EUR lost    first v1, last v3, linear v1 ½ + v3 ½
    C: v2               300 USD won     v2 under every model
    D: v1               no deal
    E: v2               900 EUR open    v2 under every model
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insight import selectors, services
from insight.models import LeadAttribution, VersionAttribution, VersionReach

D = Decimal


def rollup(version, model, currency):
    row = VersionAttribution.objects.filter(version=version, model=model, currency=currency).first()
    if row is None:
        return None
    return (row.opportunities, row.closed, row.wins, row.pipeline, row.won_revenue)


def test_first_touch_credits_the_version_of_each_leads_first_call(attribution_story, v1, v2, v3):
    # v1 opened A (1000 won) and B (600 lost); v2 opened C (300 USD won) and E (900 open).
    assert rollup(v1, "first", "EUR") == (D(2), D(2), D(1), D("1600.00"), D("1000.00"))
    assert rollup(v2, "first", "EUR") == (D(1), D(0), D(0), D("900.00"), D("0.00"))
    assert rollup(v2, "first", "USD") == (D(1), D(1), D(1), D("300.00"), D("300.00"))
    assert rollup(v3, "first", "EUR") is None


def test_last_touch_credits_the_version_of_each_leads_last_call_before_close(
    attribution_story, v1, v2, v3
):
    # v2 closed A (1000 won), C (300 USD won), and is the latest on E (900 open); v3 closed B.
    assert rollup(v1, "last", "EUR") is None
    assert rollup(v2, "last", "EUR") == (D(2), D(1), D(1), D("1900.00"), D("1000.00"))
    assert rollup(v2, "last", "USD") == (D(1), D(1), D(1), D("300.00"), D("300.00"))
    assert rollup(v3, "last", "EUR") == (D(1), D(1), D(0), D("600.00"), D("0.00"))


def test_linear_shares_each_deal_equally_between_the_distinct_versions_used(
    attribution_story, v1, v2, v3
):
    # v1: ½ of A (500 won) + ½ of B (300 lost), B's two v1 calls still one share.
    assert rollup(v1, "linear", "EUR") == (D(1), D(1), D("0.5"), D("800.00"), D("500.00"))
    # v2: ½ of A (500 won) + all of E (900 open); all of C in USD.
    assert rollup(v2, "linear", "EUR") == (D("1.5"), D("0.5"), D("0.5"), D("1400.00"), D("500.00"))
    assert rollup(v2, "linear", "USD") == (D(1), D(1), D(1), D("300.00"), D("300.00"))
    # v3: ½ of B (300 lost).
    assert rollup(v3, "linear", "EUR") == (D("0.5"), D("0.5"), D(0), D("300.00"), D("0.00"))


def test_reach_counts_each_touched_lead_once_whatever_the_model(attribution_story, v1, v2, v3):
    reach = {r.version_id: r for r in VersionReach.objects.all()}
    # v1 touched A, B, D; deals A (won) and B (lost).
    assert (reach[v1.pk].leads, reach[v1.pk].opportunities) == (3, 2)
    assert (reach[v1.pk].deals_closed, reach[v1.pk].deals_won) == (2, 1)
    # v2 touched A, C, E; closed A and C, both won.
    assert (reach[v2.pk].leads, reach[v2.pk].deals_closed, reach[v2.pk].deals_won) == (3, 2, 2)
    assert (reach[v3.pk].leads, reach[v3.pk].deals_closed, reach[v3.pk].deals_won) == (1, 1, 0)


@pytest.mark.parametrize(
    "model, v2_figures",
    [
        # (opportunities, win rate, EUR pipeline, EUR won revenue, other currencies)
        ("first", (D(2), 1.0, D("900.00"), D("0.00"), ["USD"])),
        ("last", (D(3), 1.0, D("1900.00"), D("1000.00"), ["USD"])),
        ("linear", (D("2.5"), 1.0, D("1400.00"), D("500.00"), ["USD"])),
    ],
)
def test_page_figures_per_model(attribution_story, v1, v2, model, v2_figures):
    report = selectors.attribution_report(filters={"model": model, "currency": "EUR"})
    rows = {row.version.pk: row for row in report.rows}
    row = rows[v2.pk]
    assert (row.opportunities, row.win_rate, row.pipeline, row.won_revenue,
            row.other_currencies) == v2_figures  # fmt: skip
    # Calls and reaction mix: v1 was used in 4 calls (reactions 4, 2, 3, 1), v2 in 3 (5, 4, 4).
    assert (rows[v1.pk].calls, rows[v1.pk].reactions, rows[v1.pk].positive) == (
        4,
        [1, 1, 1, 1, 0],
        1,
    )
    assert (row.calls, row.reactions, row.positive) == (3, [0, 0, 0, 2, 1], 3)
    assert row.leads == 3


def test_linear_win_rate_is_credited_wins_over_credited_closed(attribution_story, v1):
    row = next(
        r for r in selectors.attribution_report(filters={"model": "linear"}).rows
        if r.version.pk == v1.pk
    )  # fmt: skip
    assert row.win_rate == 0.5  # ½ win (A) over ½ + ½ closed (A, B)


def test_version_is_compared_with_its_predecessor(attribution_story, v1, v2, v3):
    rows = {row.version.pk: row for row in selectors.attribution_report(filters={}).rows}
    assert rows[v1.pk].predecessor is None
    v2_row = rows[v2.pk]
    assert v2_row.predecessor == v1
    # Positive calls: v2 3 of 3 against v1 1 of 4; won deals: v2 2 of 2 against v1 1 of 2.
    positive, wins = v2_row.positive_lift, v2_row.win_lift
    assert (positive.k1, positive.n1, positive.k2, positive.n2) == (3, 3, 1, 4)
    assert positive.difference == pytest.approx(0.75)
    assert (wins.k1, wins.n1, wins.k2, wins.n2) == (2, 2, 1, 2)
    assert positive.too_small and wins.too_small
    assert "Too few to tell" in positive.verdict
    assert rows[v3.pk].predecessor == v2


def test_only_calls_before_the_close_count():
    now = timezone.now()
    calls = [(1, now - timedelta(days=3), 10), (2, now - timedelta(days=1), 11),
             (3, now + timedelta(hours=1), 12)]  # fmt: skip
    deal = {"amount": D("900"), "currency": "EUR", "stage": "won", "closed_at": now}
    rows = {row.version_id: row for row in services.lead_attribution_rows(
        lead_id=1, calls=calls, opportunity=deal)}  # fmt: skip
    assert set(rows) == {1, 2}  # version 3 came after the close
    assert rows[1].is_first and rows[2].is_last
    assert rows[1].linear_amount == rows[2].linear_amount == D("450.00")


def test_same_time_calls_break_ties_by_id():
    at = timezone.now()
    rows = {row.version_id: row for row in services.lead_attribution_rows(
        lead_id=1, calls=[(2, at, 8), (1, at, 7)], opportunity=None)}  # fmt: skip
    assert rows[1].is_first and rows[2].is_last and not rows[1].has_opportunity


def test_rebuild_all_is_idempotent_and_matches_the_incremental_figures(attribution_story):
    def snapshot():
        return (
            sorted(LeadAttribution.objects.values_list(
                "lead_id", "version_id", "is_first", "is_last", "linear_weight", "linear_amount")),
            sorted(VersionAttribution.objects.values_list(
                "version_id", "model", "currency", "opportunities", "pipeline", "won_revenue")),
            sorted(VersionReach.objects.values_list("version_id", "leads", "deals_won")),
        )  # fmt: skip

    incremental = snapshot()
    VersionAttribution.objects.all().delete()
    LeadAttribution.objects.all().delete()
    assert services.attribution_rebuild_all(batch_size=2)["leads"] == 5
    assert snapshot() == incremental
    services.attribution_rebuild_all()
    assert snapshot() == incremental


def test_rebuild_all_drops_rows_of_leads_that_lost_their_calls(attribution_story, v1):
    from feedback.models import CallLog

    d = attribution_story["D"]
    CallLog.objects.filter(lead=d).delete()
    services.attribution_rebuild_all()
    assert not LeadAttribution.objects.filter(lead=d).exists()
    assert VersionReach.objects.get(version=v1).leads == 2
