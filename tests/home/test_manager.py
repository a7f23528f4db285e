"""Nora (sales manager) opens the portal: breaches, leads about to breach, handoffs
nobody took, and each salesperson's week."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from home import selectors
from insight import selectors as insight_selectors
from leads import services as lead_services
from leads.models import Lead, SlaBreach
from tests.support.factories import make_salesperson


def test_an_open_breach_of_the_team_is_listed_and_another_teams_is_not(
    manager_a, rep_a, rep_b, handed_to, sla
):
    mine = handed_to(rep_a, first_name="Late", last_name="Lead")
    theirs = handed_to(rep_b)
    now = timezone.now()
    for lead in (mine, theirs):
        Lead.objects.filter(pk=lead.pk).update(
            handed_off_at=now - timedelta(hours=25), first_touch_due_at=now - timedelta(hours=1)
        )
    lead_services.sla_breaches_scan()

    attention = selectors.manager_attention(user=manager_a)

    assert [b.lead_id for b in attention.breaches] == [mine.pk]
    assert attention.breaches[0].url == reverse("leads:detail", args=[mine.pk])
    assert SlaBreach.objects.count() == 2


def test_an_untouched_lead_due_within_four_hours_is_at_risk(manager_a, rep_a, accepted_by, sla):
    now = timezone.now()
    soon = accepted_by(rep_a)
    later = accepted_by(rep_a)
    Lead.objects.filter(pk=soon.pk).update(first_touch_due_at=now + timedelta(hours=3))
    Lead.objects.filter(pk=later.pk).update(first_touch_due_at=now + timedelta(hours=5))

    attention = selectors.manager_attention(user=manager_a, now=now)

    assert [lead.pk for lead in attention.at_risk] == [soon.pk]


def test_handoffs_nobody_accepted_are_listed(manager_a, rep_a, handed_to, accepted_by, sla):
    waiting = handed_to(rep_a)
    accepted_by(rep_a)

    attention = selectors.manager_attention(user=manager_a)

    assert [h.lead_id for h in attention.pending] == [waiting.pk]


def test_each_reps_week_agrees_with_loop_health(client_for, manager_a, rep_a, accepted_by, sla):
    """The same definitions as the loop-health page (docs/figures.md), so the figures on
    the home page and on loop health for the team and week are the same numbers."""
    touched = accepted_by(rep_a)
    lead_services.attempt_log(lead=touched, user=rep_a, channel="call", outcome="connected")
    late = accepted_by(rep_a)
    Lead.objects.filter(pk=late.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=1))

    [week] = selectors.manager_attention(user=manager_a).reps
    since, until, _start = selectors.week_bounds()
    health = insight_selectors.loop_health(
        filters={"since": since, "until": until, "team": str(rep_a.team_membership.team_id)}
    )

    assert week.name == rep_a.get_full_name()
    assert (week.handed_off, week.due, week.within) == (2, 2, 1)
    assert week.follow_up_rate == health.follow_up_rate == 0.5
    assert week.median_first_touch == health.median_first_touch
    page = client_for(manager_a).get(reverse("home")).content.decode()
    assert "50%" in page


def test_a_team_without_trouble_says_so(client_for, manager_a, rep_a):
    page = client_for(manager_a).get(reverse("home")).content.decode()

    assert 'data-role-home="manager"' in page
    assert "Every open lead of your teams was touched within the SLA" in page
    assert "Every lead handed to your teams has been accepted" in page


def test_the_managers_home_is_a_fixed_number_of_queries(
    home_queries, manager_a, rep_a, team_a, handed_to, accepted_by, sla
):
    def add(n):
        for index in range(n):
            lead = accepted_by(rep_a) if index % 2 else handed_to(rep_a)
            Lead.objects.filter(pk=lead.pk).update(
                handed_off_at=timezone.now() - timedelta(hours=25),
                first_touch_due_at=timezone.now() - timedelta(hours=1),
            )
            if index % 2 and index % 3 == 0:
                lead_services.attempt_log(
                    lead=lead, user=rep_a, channel="call", outcome="connected"
                )
            make_salesperson(f"extra_rep_{Lead.objects.count()}", team_a)
        lead_services.sla_breaches_scan()

    add(2)
    few = home_queries(manager_a)
    add(10)
    assert home_queries(manager_a) == few <= 16
