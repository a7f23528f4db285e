"""One test per figure of docs/figures.md, on data worked out by hand.

The SLA story (SLA 24 h; handoffs three days ago unless said; hours after the handoff):

    F1 rep_a: touched at 2 h                                      → within, 2 h
    F2 rep_a: scanned untouched past the deadline, then an attempt dated 5 h is logged
              (the rep called in time and typed it in later)      → within, 5 h, no breach
    F3 rep_a: scanned, then touched at 30 h                        → late, breach, 30 h
    F4 rep_b: scanned, never touched                               → due, open breach
    F5 rep_b: handed off 1 h ago, not touched                      → not due yet

Worked out: 5 handed off, 4 due, 2 within (F1, F2), follow-up rate 50 %, 2 breaches
(F3, F4), 3 touched with times 2 h, 5 h, 30 h → median 5 h. Within + leads with a
breach = due: the two figures cannot contradict each other.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insight import figures, selectors
from insight.selectors import VersionFigures
from leads import selectors as lead_selectors
from leads import services as lead_services
from leads.models import Lead, SlaBreach
from tests.support.factories import handoff_backdate


@pytest.fixture
def sla_story(rep_a, rep_b, sla, accepted_by):
    now = timezone.now()

    def lead(rep, hours_ago=72):
        made = accepted_by(rep)
        handed = now - timedelta(hours=hours_ago)
        Lead.objects.filter(pk=made.pk).update(
            handed_off_at=handed, first_touch_due_at=handed + timedelta(hours=24)
        )
        made.handoffs.update(handed_off_at=handed)  # attempts may not predate it
        made.refresh_from_db()
        return made

    def touch(rep, made, hours):
        lead_services.attempt_log(
            lead=made, user=rep, channel="call", outcome="no_answer",
            occurred_at=made.handed_off_at + timedelta(hours=hours),
        )  # fmt: skip
        made.refresh_from_db()

    leads = {"F1": lead(rep_a), "F2": lead(rep_a), "F3": lead(rep_a), "F4": lead(rep_b)}
    leads["F5"] = lead(rep_b, hours_ago=1)
    touch(rep_a, leads["F1"], 2)
    lead_services.sla_breaches_scan(now=now)
    touch(rep_a, leads["F2"], 5)
    touch(rep_a, leads["F3"], 30)
    return {"now": now, "leads": leads}


@pytest.fixture
def health(sla_story):
    return selectors.loop_health(filters={}, now=sla_story["now"])


def test_within_sla_counts_due_leads_touched_by_the_deadline_without_a_breach(health):
    assert (health.handed_off, health.due, health.within_sla) == (5, 4, 2)


def test_follow_up_rate_is_within_over_due(health):
    assert health.follow_up_rate == 0.5


def test_time_to_first_touch_is_handoff_to_first_attempt_after_it(health):
    assert health.touched == 3
    assert health.median_first_touch == timedelta(hours=5)


def test_sla_breach_leaves_out_a_breach_touched_in_time_but_logged_late(sla_story, health):
    leads = sla_story["leads"]
    # The scan recorded three breaches (F2, F3, F4); F2's first attempt is dated before
    # its deadline, so its breach "resolved" before it was due: not a breach.
    assert SlaBreach.objects.count() == 3
    counted = set(figures.counted_breaches().values_list("lead_id", flat=True))
    assert counted == {leads["F3"].pk, leads["F4"].pk}
    assert health.breaches == 2
    assert sorted(health.breaches_by_team) == [("Team A", 1, 0), ("Team B", 1, 1)]


def test_within_sla_and_breaches_add_up_to_the_due_leads(health):
    # A lead with a counted breach is never within the SLA, and every due lead is one
    # or the other (the scan ran after every deadline here).
    assert health.within_sla + health.breaches == health.due


def test_time_to_first_touch_takes_the_earliest_attempt_even_if_logged_second(
    rep_a, sla, accepted_by
):
    made = accepted_by(rep_a)
    handed = handoff_backdate(made, timezone.now() - timedelta(days=1))
    for hours in (10, 3):  # the 3 h call is typed in after the 10 h one
        lead_services.attempt_log(
            lead=made, user=rep_a, channel="call", outcome="no_answer",
            occurred_at=handed + timedelta(hours=hours),
        )  # fmt: skip
    annotated = figures.with_first_touch(Lead.objects.filter(pk=made.pk)).get()
    assert annotated.time_to_first_touch == timedelta(hours=3)


def test_contact_rate_disqualification_rate_and_conversion(scorecard_story, marketer):
    cards = {card.name: card for card in selectors.scorecards(user=marketer, filters={}).rows}
    show = cards["Show B"]
    # B1 replied and B3 booked a meeting: 2 of 3 reached a person; B2's three
    # unanswered calls are tries, not contacts.
    assert show.contact_rate == pytest.approx(2 / 3)
    # B2 disqualified: 1 of 3.
    assert show.disqualification_rate == pytest.approx(1 / 3)
    # B1 (open) and B3 (won) became opportunities: 2 of 3.
    assert show.conversion == pytest.approx(2 / 3)


def test_win_rate_is_won_over_closed_deals():
    # Linear credit 1.5 deals closed of which 0.5 won (v2 of the attribution story).
    row = VersionFigures(version=None, closed=Decimal("1.5"), wins=Decimal("0.5"))
    assert row.win_rate == pytest.approx(1 / 3)
    assert VersionFigures(version=None).win_rate is None


def test_revenue_attribution_shares_a_won_deal_between_the_versions_used(attribution_story, v1, v2):
    report = selectors.attribution_report(filters={"model": "linear", "currency": "EUR"})
    won = {row.version.pk: row.won_revenue for row in report.rows}
    # A (1000 EUR won) used v1 and v2: 500 each; C's 300 were won in USD.
    assert won[v1.pk] == Decimal("500.00")
    assert won[v2.pk] == Decimal("500.00")


# --- Leads-side figures that disagree with these definitions until the merge ----------


def test_team_page_does_not_list_a_breach_touched_before_its_deadline(sla_story, team_a):
    listed = {breach.lead_id for breach in lead_selectors.team_breaches(teams=[team_a])}
    assert sla_story["leads"]["F2"].pk not in listed


def test_lead_first_touch_is_the_earliest_attempt(rep_a, sla, accepted_by):
    made = accepted_by(rep_a)
    handed = handoff_backdate(made, timezone.now() - timedelta(days=1))
    for hours in (10, 3):
        lead_services.attempt_log(
            lead=made, user=rep_a, channel="call", outcome="no_answer",
            occurred_at=handed + timedelta(hours=hours),
        )  # fmt: skip
    made.refresh_from_db()
    assert made.first_touch_at == handed + timedelta(hours=3)


def test_a_recycled_lead_handed_off_again_gets_a_first_touch_deadline(
    rep_a, marketer, sla, accepted_by, no_budget
):
    made = accepted_by(rep_a)
    for _ in range(3):
        lead_services.attempt_log(lead=made, user=rep_a, channel="call", outcome="no_answer")
    lead_services.lead_disqualify(lead=made, user=rep_a, reason=no_budget, note="Later.")
    lead_services.lead_recycle(lead=made, user=marketer)
    lead_services.lead_handoff(leads=[made], user=marketer, to_user=rep_a)
    made.refresh_from_db()
    assert made.first_touch_due_at is not None
    assert made.first_touch_at is None
