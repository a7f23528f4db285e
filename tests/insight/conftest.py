"""Insight stories: the attribution data set and the loop-health data set, built through
the real services (leads, feedback, messaging), with times set where the story needs
them so each figure can be worked out by hand in the test."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from leads import services as lead_services
from leads.models import DisqualificationReason, Lead
from tests.feedback.conftest import BODY, log_call, rep_c, v1  # noqa: F401 (fixtures)
from tests.leads.conftest import accepted_by, handed_to, no_budget, play, sla  # noqa: F401
from tests.support.messaging_factories import publish


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def v2(v1, marketer):  # noqa: F811
    """v2 of v1's message (based on v1), live; v1 retired."""
    return publish(v1.message, marketer, body=BODY + "\n\nNow with bank matching.", summary="v2")


@pytest.fixture
def v3(v2, marketer):
    return publish(v2.message, marketer, body=BODY + "\n\nNow with approvals.", summary="v3")


@pytest.fixture
def deal(django_capture_on_commit_callbacks):
    """deal(lead, rep, amount, currency="EUR", result=None|"won"|"lost") → Opportunity,
    created (and closed) through leads.services with on-commit work run."""

    def make(lead, rep, amount, currency="EUR", result=None):
        lead.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            opportunity = lead_services.opportunity_create(
                lead=lead, user=rep, amount=Decimal(amount), currency=currency
            )
        if result is not None:
            with django_capture_on_commit_callbacks(execute=True):
                opportunity = lead_services.opportunity_close(
                    opportunity=opportunity, user=rep, won=result == "won", amount=Decimal(amount)
                )
        return opportunity

    return make


@pytest.fixture
def call(log_call, now):  # noqa: F811
    """call(rep, version, lead, days_ago, reaction) → a call logged that many days ago."""

    def make(rep, version, lead, days_ago, reaction):
        lead.refresh_from_db()
        occurred_at = now - timedelta(days=days_ago)
        if lead.handed_off_at > occurred_at:
            # The story's calls are in the past: the lead was handed over before them
            # (a call may not predate its handoff).
            handed = occurred_at - timedelta(hours=1)
            Lead.objects.filter(pk=lead.pk).update(handed_off_at=handed)
            lead.handoffs.update(handed_off_at=handed)
            lead.refresh_from_db()
        outcome = "meeting_booked" if reaction >= 4 else "not_now"
        return log_call(
            rep, version, lead=lead, reaction=reaction, outcome=outcome,
            occurred_at=now - timedelta(days=days_ago),
        )  # fmt: skip

    return make


@pytest.fixture
def attribution_story(rep_a, rep_b, v1, v2, v3, accepted_by, call, deal):  # noqa: F811
    """Five leads (worked out by hand in tests/insight/test_attribution.py):

    A (rep_a): v1 10 days ago (reaction 4), v2 5 days ago (5); 1000 EUR won
    B (rep_a): v1 9 days ago (2), v1 8 days ago (3), v3 2 days ago (5); 600 EUR lost
    C (rep_b): v2 3 days ago (4); 300 USD won
    D (rep_b): v1 7 days ago (1); no opportunity
    E (rep_a): v2 6 days ago (4); 900 EUR, still open
    """
    leads = {name: accepted_by(rep) for name, rep in
             [("A", rep_a), ("B", rep_a), ("C", rep_b), ("D", rep_b), ("E", rep_a)]}  # fmt: skip
    call(rep_a, v1, leads["A"], 10, 4)
    call(rep_a, v2, leads["A"], 5, 5)
    call(rep_a, v1, leads["B"], 9, 2)
    call(rep_a, v1, leads["B"], 8, 3)
    call(rep_a, v3, leads["B"], 2, 5)
    call(rep_b, v2, leads["C"], 3, 4)
    call(rep_b, v1, leads["D"], 7, 1)
    call(rep_a, v2, leads["E"], 6, 4)
    deal(leads["A"], rep_a, "1000", result="won")
    deal(leads["B"], rep_a, "600", result="lost")
    deal(leads["C"], rep_b, "300", currency="USD", result="won")
    deal(leads["E"], rep_a, "900")
    return leads


@pytest.fixture
def bad_data(db):
    return DisqualificationReason.objects.get_or_create(name="Bad contact data")[0]


@pytest.fixture
def loop_story(rep_a, rep_b, sla, accepted_by, no_budget, bad_data, now):  # noqa: F811
    """Handed-off leads with hand-set times (hours after handoff), SLA 24 h / 3 attempts:

    L1 rep_a: handed 10 h ago, touched after 2 h                 → within SLA
    L2 rep_a: handed 3 days ago, scanned overdue, touched at 30 h → late, breach resolved
    L3 rep_b: handed 2 days ago, never touched                    → due, breach still open
    L4 rep_b: handed 1 h ago, not touched                         → not due yet
    L5 rep_a: handed 5 days ago, touched at 1 h, 3 attempts, disqualified (No budget)
    L6 rep_b: source "Trade show", handed 4 days ago, touched at 5 h, 3 attempts,
              disqualified (Bad contact data)
    L7 rep_a: handed 200 days ago, touched at 1 h                 → outside the default 90 days
    """

    def lead(rep, hours_ago, **fields):
        made = accepted_by(rep, **fields)
        handed = now - timedelta(hours=hours_ago)
        Lead.objects.filter(pk=made.pk).update(
            handed_off_at=handed, first_touch_due_at=handed + timedelta(hours=24)
        )
        made.handoffs.update(handed_off_at=handed)  # attempts may not predate it
        made.refresh_from_db()
        return made

    def touch(rep, made, hours_after, times=1):
        for n in range(times):
            lead_services.attempt_log(
                lead=made, user=rep, channel="call", outcome="no_answer",
                occurred_at=made.handed_off_at + timedelta(hours=hours_after + n),
            )  # fmt: skip
        made.refresh_from_db()

    leads = {
        "L1": lead(rep_a, 10),
        "L2": lead(rep_a, 72),
        "L3": lead(rep_b, 48),
        "L4": lead(rep_b, 1),
        "L5": lead(rep_a, 120),
        "L6": lead(rep_b, 96, source="Trade show"),
        "L7": lead(rep_a, 200 * 24),
    }
    touch(rep_a, leads["L1"], 2)
    touch(rep_a, leads["L5"], 1, times=3)
    touch(rep_b, leads["L6"], 5, times=3)
    # The scan finds L2 and L3 (and L7, long ago) untouched past their deadline.
    lead_services.sla_breaches_scan(now=now)
    touch(rep_a, leads["L2"], 30)
    touch(rep_a, leads["L7"], 1)
    lead_services.lead_disqualify(lead=leads["L5"], user=rep_a, reason=no_budget, note="Frozen.")
    lead_services.lead_disqualify(lead=leads["L6"], user=rep_b, reason=bad_data, note="Bounced.")
    return leads


@pytest.fixture
def scorecard_story(marketer, rep_a, rep_b, sla, accepted_by, handed_to, no_budget, bad_data, deal):  # noqa: F811
    """Two lead lists built through the services, worked out by hand in
    tests/insight/test_scorecards.py (handoffs two days ago, SLA 24 h / 3 attempts;
    times in hours after the handoff):

    List "Vendor A" (source Webinar):
      A1 rep_a: no answer at 2 h, connected at 3 h; 1000 EUR won
      A2 rep_a: voicemail at 4 h, no answer at 5 h and 6 h; disqualified (No budget)
      A3 rep_a: handed off, never touched
      A4 nobody: created, not handed off
    List "Show B" (source Trade show):
      B1 rep_b: replied at 10 h; 500 EUR opportunity, still open
      B2 rep_b: no answer at 1 h, 2 h, 3 h; disqualified (Bad contact data)
      B3 rep_b: meeting booked at 6 h; 300 USD won
    """
    from leads.models import LeadList
    from tests.support.factories import LeadFactory

    vendor = LeadList.objects.create(name="Vendor A", source="Webinar", status="done")
    show = LeadList.objects.create(name="Show B", source="Trade show", status="done")

    def lead(rep, lead_list, source):
        made = accepted_by(rep, lead_list=lead_list, source=source)
        handed = timezone.now() - timedelta(days=2)
        Lead.objects.filter(pk=made.pk).update(
            handed_off_at=handed, first_touch_due_at=handed + timedelta(hours=24)
        )
        made.handoffs.update(handed_off_at=handed)  # attempts may not predate it
        made.refresh_from_db()
        return made

    def touch(rep, made, *attempts):
        for hours, outcome in attempts:
            lead_services.attempt_log(
                lead=made, user=rep, channel="call", outcome=outcome,
                occurred_at=made.handed_off_at + timedelta(hours=hours),
            )  # fmt: skip
        made.refresh_from_db()

    leads = {
        "A1": lead(rep_a, vendor, "Webinar"),
        "A2": lead(rep_a, vendor, "Webinar"),
        "A3": lead(rep_a, vendor, "Webinar"),
        "A4": LeadFactory(lead_list=vendor, source="Webinar"),
        "B1": lead(rep_b, show, "Trade show"),
        "B2": lead(rep_b, show, "Trade show"),
        "B3": lead(rep_b, show, "Trade show"),
    }
    touch(rep_a, leads["A1"], (2, "no_answer"), (3, "connected"))
    touch(rep_a, leads["A2"], (4, "voicemail"), (5, "no_answer"), (6, "no_answer"))
    touch(rep_b, leads["B1"], (10, "replied"))
    touch(rep_b, leads["B2"], (1, "no_answer"), (2, "no_answer"), (3, "no_answer"))
    touch(rep_b, leads["B3"], (6, "meeting_booked"))
    deal(leads["A1"], rep_a, "1000", result="won")
    deal(leads["B1"], rep_b, "500")
    deal(leads["B3"], rep_b, "300", currency="USD", result="won")
    lead_services.lead_disqualify(
        lead=leads["A2"], user=rep_a, reason=no_budget,
        note="Budget frozen until Q3. <script>alert(1)</script>",
    )  # fmt: skip
    lead_services.lead_disqualify(
        lead=leads["B2"], user=rep_b, reason=bad_data,
        note="=HYPERLINK(\"http://example.com\") number bounced",
    )  # fmt: skip
    for made in leads.values():
        made.refresh_from_db()
    return {"leads": leads, "vendor": vendor, "show": show}
