"""Rafael (sales) opens the portal: what is due today, what his team is offered, and
which of his wording marketing shipped."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import Suggestion
from home import selectors
from leads import services as lead_services
from leads.models import Lead
from messaging import services as messaging_services
from tests.feedback.conftest import SAID
from tests.support.factories import LeadFactory


def test_an_overdue_lead_and_one_due_today_are_listed_and_tomorrows_is_not(
    client_for, rep_a, accepted_by, sla
):
    now = timezone.now()
    overdue = accepted_by(rep_a, first_name="Olga", last_name="Overdue")
    due_soon = accepted_by(rep_a, first_name="Dana", last_name="Due")
    tomorrow = accepted_by(rep_a, first_name="Tom", last_name="Tomorrow")
    Lead.objects.filter(pk=overdue.pk).update(first_touch_due_at=now - timedelta(hours=2))
    Lead.objects.filter(pk=due_soon.pk).update(first_touch_due_at=now + timedelta(minutes=1))
    Lead.objects.filter(pk=tomorrow.pk).update(first_touch_due_at=now + timedelta(days=2))

    attention = selectors.salesperson_attention(user=rep_a, now=now)

    assert [lead.pk for lead in attention.due] == [overdue.pk, due_soon.pk]
    assert (attention.due_count, attention.overdue_count) == (2, 1)
    page = client_for(rep_a).get(reverse("home")).content.decode()
    assert reverse("leads:detail", args=[overdue.pk]) in page
    assert "1 overdue" in page
    assert "Tom Tomorrow" not in page


def test_a_lead_offered_to_the_team_is_listed_with_a_link_to_the_queue(
    client_for, marketer, rep_a, rep_b, team_a
):
    lead = LeadFactory(first_name="Tina", last_name="Team")
    lead_services.lead_handoff(leads=[lead], user=marketer, team=team_a)

    attention = selectors.salesperson_attention(user=rep_a)

    assert attention.offer_count == 1
    assert attention.offers[0].url == reverse("leads:queue")
    assert selectors.salesperson_attention(user=rep_b).offer_count == 0


def test_wording_of_theirs_that_shipped_is_listed(
    marketer, rep_a, v1, log_call, django_capture_on_commit_callbacks
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    draft = feedback_services.suggestion_accept(suggestion=suggestion, user=marketer)
    with django_capture_on_commit_callbacks(execute=True):
        messaging_services.version_publish(version=draft, user=marketer, change_summary="Sales")

    attention = selectors.salesperson_attention(user=rep_a)

    assert [s.pk for s in attention.shipped] == [suggestion.pk]
    assert attention.shipped[0].url == reverse("feedback:suggestion_detail", args=[suggestion.pk])


def test_a_calm_day_says_so(client_for, rep_a):
    page = client_for(rep_a).get(reverse("home")).content.decode()

    assert 'data-role-home="sales"' in page
    assert "Nothing is due today" in page
    assert "No lead is waiting for your team" in page


def test_the_salespersons_home_is_a_fixed_number_of_queries(
    home_queries, marketer, rep_a, team_a, v1, log_call, accepted_by, play,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    def add(n):
        for _ in range(n):
            lead = accepted_by(rep_a, play=play)
            Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=timezone.now())
            lead_services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
        log_call(rep_a, v1, said=SAID)
        for suggestion in Suggestion.objects.filter(status="open"):
            draft = feedback_services.suggestion_accept(suggestion=suggestion, user=marketer)
            with django_capture_on_commit_callbacks(execute=True):
                messaging_services.version_publish(version=draft, user=marketer, change_summary="S")

    add(1)
    few = home_queries(rep_a)
    add(10)
    assert home_queries(rep_a) == few <= 16
