"""Hand-offs paced to sales capacity: past it they wait, oldest first, and are released
as room frees."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from leads import services
from leads.models import Handoff, Lead, Team
from leads.tasks import backlog_release_task
from tests.support.factories import LeadFactory, make_salesperson


def test_a_team_without_limits_takes_everything(marketer, team_a, rep_a):
    handoffs = services.lead_handoff(leads=LeadFactory.create_batch(4), user=marketer, team=team_a)
    assert {h.status for h in handoffs} == {"pending"}


def test_hand_offs_beyond_capacity_wait_and_are_released_oldest_first(
    marketer, team_a, rep_a, no_budget, agree, django_capture_on_commit_callbacks
):
    agree(min_attempts_before_disqualify=0)
    Team.objects.filter(pk=team_a.pk).update(open_leads_per_rep=2)
    team_a.refresh_from_db()
    first = LeadFactory.create_batch(3)
    handoffs = services.lead_handoff(leads=first, user=marketer, to_user=rep_a)
    assert [h.status for h in handoffs] == ["pending", "pending", "queued"]
    waiting = Lead.objects.get(pk=first[2].pk)
    assert (waiting.owner, waiting.handed_off_at, waiting.first_touch_due_at) == (None, None, None)

    # A later hand-off joins the back of the backlog, even if room had freed meanwhile.
    later = LeadFactory()
    [queued_later] = services.lead_handoff(leads=[later], user=marketer, to_user=rep_a)
    assert queued_later.status == "queued"
    capacity = services.team_capacity(team_a, terms=services.terms_in_force()[1])
    assert (capacity.open_leads, capacity.room_now, capacity.backlog) == (2, 0, 2)

    # Disqualifying one of rep_a's leads frees a seat: the oldest waiting lead gets it.
    services.handoff_accept(handoff=handoffs[0], user=rep_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_disqualify(
            lead=first[0], user=rep_a, reason=no_budget, note="No money this year."
        )
    released = Handoff.objects.get(pk=handoffs[2].pk)
    assert released.status == "pending"
    assert Handoff.objects.get(pk=queued_later.pk).status == "queued"
    waiting.refresh_from_db()
    assert waiting.owner == rep_a and waiting.first_touch_due_at is not None
    assert waiting.first_touch_due_at - waiting.handed_off_at == timedelta(hours=24)
    # Running the release again (the beat) hands on nothing more: the team is full.
    assert backlog_release_task() == 0


def test_new_leads_per_day_and_the_sla_window_limit_todays_room(marketer, team_a, rep_a, agree):
    rep_c = make_salesperson("rep_c", team_a)
    Team.objects.filter(pk=team_a.pk).update(new_leads_per_day=3)
    team_a.refresh_from_db()
    handoffs = services.lead_handoff(
        leads=LeadFactory.create_batch(5), user=marketer, team=team_a, round_robin=True
    )
    assert [h.status for h in handoffs] == ["pending"] * 3 + ["queued"] * 2
    capacity = services.team_capacity(team_a, terms=services.terms_in_force()[1])
    assert (capacity.week_capacity, capacity.arrived_today, capacity.room_now) == (15, 3, 0)
    # Released later to the next in turn: the round-robin is decided when it is released.
    tomorrow = timezone.now() + timedelta(days=1)
    Lead.objects.filter(handed_off_at__isnull=False).update(first_touch_at=timezone.now())
    assert services.backlog_release(now=tomorrow) == 2
    owners = [h.to_user for h in Handoff.objects.filter(round_robin=True).order_by("pk")]
    assert owners[3:] == [rep_a, rep_c] or owners[3:] == [rep_c, rep_a]


def test_a_backlog_that_grew_each_day_tells_marketing_to_slow_the_campaigns(
    marketer, team_a, rep_a
):
    Team.objects.filter(pk=team_a.pk).update(open_leads_per_rep=0)
    now = timezone.now()
    for days_ago in (3, 2, 1, 0):
        services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
        Handoff.objects.filter(queued_at__gte=now - timedelta(seconds=5)).update(
            queued_at=now - timedelta(days=days_ago, seconds=-1)
        )
    sizes = services.backlog_sizes(team=team_a, now=now + timedelta(seconds=2))
    assert sizes == [1, 2, 3, 4]
    assert services.backlog_keeps_growing(sizes)
    assert not services.backlog_keeps_growing([2, 3, 3, 4])


def test_closing_an_opportunity_frees_room_too(
    marketer, team_a, rep_a, accepted_by, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    Team.objects.filter(pk=team_a.pk).update(open_leads_per_rep=1)
    [waiting] = services.lead_handoff(leads=[LeadFactory()], user=marketer, to_user=rep_a)
    assert waiting.status == "queued"
    services.opportunity_create(lead=lead, user=rep_a, amount=Decimal("100"), name="Deal")
    opportunity = Lead.objects.get(pk=lead.pk).opportunity
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_close(
            opportunity=opportunity, user=rep_a, won=True, amount=Decimal("100")
        )
    assert Handoff.objects.get(pk=waiting.pk).status == "pending"


def test_an_admin_placing_a_waiting_lead_takes_it_out_of_the_backlog(
    marketer, team_a, rep_a, admin
):
    rep_c = make_salesperson("rep_c", team_a)
    Team.objects.filter(pk=team_a.pk).update(open_leads_per_rep=0)
    lead = LeadFactory()
    [queued] = services.lead_handoff(leads=[lead], user=marketer, team=team_a)
    services.lead_reassign(lead=lead, user=admin, to_user=rep_c, note="Rep C knows them.")
    assert Handoff.objects.get(pk=queued.pk).status == "superseded"
    assert services.backlog_release() == 0
    assert Lead.objects.get(pk=lead.pk).owner == rep_c
