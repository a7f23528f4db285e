"""The lead rules, told as the stories of the people who follow them."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from leads import services
from leads.models import Handoff, Lead, SlaBreach, TeamMembership
from notifications.models import Notification
from tests.support.factories import LeadFactory, make_salesperson


def log(lead, rep, outcome="no_answer", channel="call", **kwargs):
    return services.attempt_log(lead=lead, user=rep, channel=channel, outcome=outcome, **kwargs)


# --- qualification and handoff ------------------------------------------------------


def test_marketing_qualifies_new_leads_only(marketer, rep_a):
    new, won = LeadFactory(), LeadFactory(status="won")
    assert services.lead_qualify(leads=[new, won], user=marketer) == 1
    new.refresh_from_db()
    assert new.status == "mql" and new.qualified_at is not None
    with pytest.raises(PermissionDenied):
        services.lead_qualify(leads=[new], user=rep_a)


def test_handoff_to_a_named_salesperson_starts_the_sla_clock_and_notifies(
    marketer, rep_a, sla, play
):
    lead = LeadFactory()
    before = timezone.now()
    [handoff] = services.lead_handoff(leads=[lead], user=marketer, to_user=rep_a, play=play)
    lead.refresh_from_db()
    assert (lead.owner, lead.status, lead.play, handoff.status) == (rep_a, "mql", play, "pending")
    assert lead.first_touch_due_at - before >= timedelta(hours=sla.hours_to_first_touch)
    assert lead.next_step_due_at == lead.handed_off_at  # day 0 of the play
    assert Notification.objects.filter(recipient=rep_a, kind="lead_handoff").count() == 1


def test_a_per_source_sla_overrides_the_global_one(marketer, rep_a, sla, agree):
    agree(sla_by_source={"Trade show": {"hours_to_first_touch": 2}})
    fast, normal = LeadFactory(source="Trade show"), LeadFactory(source="Webinar")
    services.lead_handoff(leads=[fast, normal], user=marketer, to_user=rep_a)
    fast.refresh_from_db(), normal.refresh_from_db()
    assert fast.first_touch_due_at - fast.handed_off_at == timedelta(hours=2)
    assert normal.first_touch_due_at - normal.handed_off_at == timedelta(hours=24)


def test_round_robin_takes_turns_and_skips_whoever_is_at_their_cap(marketer, team_a, rep_a):
    rep_c = make_salesperson("rep_c", team_a)
    make_salesperson("rep_d", team_a)
    TeamMembership.objects.filter(user=rep_c).update(open_lead_cap=1)
    leads = LeadFactory.create_batch(5)
    handoffs = services.lead_handoff(leads=leads, user=marketer, team=team_a, round_robin=True)
    owners = [h.to_user.username for h in handoffs]
    assert owners == ["rep_a", "rep_c", "rep_d", "rep_a", "rep_d"]
    # The next batch continues after the last person served, still skipping rep_c.
    [next_one] = services.lead_handoff(
        leads=[LeadFactory()], user=marketer, team=team_a, round_robin=True
    )
    assert next_one.to_user == rep_a


def test_round_robin_refuses_when_everyone_is_at_their_cap(marketer, team_a, rep_a):
    TeamMembership.objects.filter(user=rep_a).update(open_lead_cap=0)
    lead = LeadFactory()
    with pytest.raises(ValidationError, match="at their open-lead cap"):
        services.lead_handoff(leads=[lead], user=marketer, team=team_a, round_robin=True)
    lead.refresh_from_db()
    assert lead.owner is None and not Handoff.objects.exists()


def test_a_lead_already_with_sales_cannot_be_handed_off_again(marketer, rep_a, rep_b, handed_to):
    lead = handed_to(rep_a)
    with pytest.raises(ValidationError, match="already with sales"):
        services.lead_handoff(leads=[lead], user=marketer, to_user=rep_b)


def test_only_marketing_hands_off(rep_a, manager_a):
    with pytest.raises(PermissionDenied):
        services.lead_handoff(leads=[LeadFactory()], user=manager_a, to_user=rep_a)


# --- accepting ----------------------------------------------------------------------


def test_rep_accepts_a_lead_handed_to_them(rep_a, handed_to):
    lead = handed_to(rep_a)
    handoff = services.handoff_accept(handoff=lead.handoffs.get(), user=rep_a)
    lead.refresh_from_db()
    assert (handoff.status, handoff.accepted_by, lead.status) == ("accepted", rep_a, "accepted")


def test_rep_b_cannot_accept_a_lead_handed_to_rep_a(rep_a, rep_b, handed_to):
    lead = handed_to(rep_a)
    with pytest.raises(PermissionDenied):
        services.handoff_accept(handoff=lead.handoffs.get(), user=rep_b)


def test_a_team_offer_goes_to_the_first_who_accepts_and_the_second_is_told(marketer, team_a, rep_a):
    rep_c = make_salesperson("rep_c", team_a)
    lead = LeadFactory()
    [offer] = services.lead_handoff(leads=[lead], user=marketer, team=team_a)
    assert Notification.objects.filter(kind="lead_handoff").count() == 2  # both reps
    services.handoff_accept(handoff=offer, user=rep_c)
    with pytest.raises(services.HandoffAlreadyTaken, match="accepted this lead first"):
        services.handoff_accept(handoff=offer, user=rep_a)
    lead.refresh_from_db()
    assert lead.owner == rep_c


@pytest.mark.django_db(transaction=True)
def test_two_reps_accepting_the_same_offer_at_once_one_wins(marketer, team_a, rep_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serializes the whole database")
    rep_c = make_salesperson("rep_c", team_a)
    [offer] = services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
    barrier = threading.Barrier(2)
    results = {}

    def accept(rep):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.handoff_accept(handoff=Handoff.objects.get(pk=offer.pk), user=rep)
            results[rep.username] = "won"
        except services.HandoffAlreadyTaken as taken:
            results[rep.username] = taken.messages[0]
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=accept, args=(rep,)) for rep in (rep_a, rep_c)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()).count("won") == 1
    loser_message = next(v for v in results.values() if v != "won")
    assert "accepted this lead first" in loser_message
    winner = next(name for name, v in results.items() if v == "won")
    assert Lead.objects.get().owner.username == winner


# --- attempts, disqualification, opportunities ---------------------------------------


def test_the_first_attempt_is_the_first_touch_and_a_conversation_moves_the_play_on(
    rep_a, accepted_by, play
):
    lead = accepted_by(rep_a, play=play)  # day 0 call, day 2 email, day 5 call
    log(lead, rep_a, outcome="connected")
    lead.refresh_from_db()
    assert lead.attempt_count == 1 and lead.first_touch_at == lead.last_touch_at
    assert lead.next_step_due_at == lead.handed_off_at + timedelta(days=2)
    log(lead, rep_a, channel="email", outcome="replied")
    log(lead, rep_a, outcome="connected")
    lead.refresh_from_db()
    assert lead.next_step_due_at is None  # all three steps done


def test_no_answer_or_voicemail_does_not_complete_a_call_step(rep_a, accepted_by, play):
    lead = accepted_by(rep_a, play=play)
    first = log(lead, rep_a, outcome="no_answer")
    second = log(lead, rep_a, outcome="voicemail")
    lead.refresh_from_db()
    assert first.play_step is None and second.play_step is None
    assert lead.attempt_count == 2  # both count as tries (the SLA's first touch)
    assert lead.next_step_due_at == lead.handed_off_at  # the day-0 call is still to do


def test_an_email_completes_the_email_step_not_the_call_step(rep_a, accepted_by, play):
    lead = accepted_by(rep_a, play=play)
    email = log(lead, rep_a, channel="email", outcome="replied")
    lead.refresh_from_db()
    assert email.play_step == play.steps.get(channel="email")
    assert lead.next_step_due_at == lead.handed_off_at  # the day-0 call is next
    call = log(lead, rep_a, outcome="connected")
    lead.refresh_from_db()
    assert call.play_step == play.steps.get(position=0)
    # the next step is the day-5 call, due on the play's schedule, not 5 days after the call
    assert lead.next_step_due_at == lead.handed_off_at + timedelta(days=5)


def test_rep_b_cannot_log_attempts_on_rep_as_lead(rep_a, rep_b, accepted_by):
    with pytest.raises(PermissionDenied):
        log(accepted_by(rep_a), rep_b)


def test_attempts_need_an_accepted_lead(rep_a, handed_to):
    with pytest.raises(ValidationError, match="Accept the lead"):
        log(handed_to(rep_a), rep_a)


def test_disqualifying_waits_for_the_slas_minimum_attempts(rep_a, accepted_by, no_budget):
    lead = accepted_by(rep_a)
    log(lead, rep_a), log(lead, rep_a)
    lead.refresh_from_db()
    check = services.disqualify_check(lead)
    assert not check.allowed and check.reason.startswith("2 of 3 attempts logged")
    with pytest.raises(ValidationError, match="2 of 3 attempts logged"):
        services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="No money")
    log(lead, rep_a)
    services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="Budget frozen")
    lead.refresh_from_db()
    assert (lead.status, lead.disqualification_reason, lead.disqualification_note) == (
        "disqualified",
        no_budget,
        "Budget frozen",
    )


def test_disqualifying_needs_a_reason_and_a_note(rep_a, accepted_by, no_budget, sla, agree):
    agree(min_attempts_before_disqualify=0)
    lead = accepted_by(rep_a)
    with pytest.raises(ValidationError) as refused:
        services.lead_disqualify(lead=lead, user=rep_a, reason=None, note="  ")
    assert set(refused.value.message_dict) == {"reason", "note"}


def test_a_manager_may_disqualify_their_teams_lead_but_not_another_teams(
    rep_a, manager_a, manager_b, accepted_by, no_budget, sla, agree
):
    agree(min_attempts_before_disqualify=0)
    lead = accepted_by(rep_a)
    with pytest.raises(PermissionDenied):
        services.lead_disqualify(lead=lead, user=manager_b, reason=no_budget, note="x")
    services.lead_disqualify(lead=lead, user=manager_a, reason=no_budget, note="Checked")


def test_a_lead_becomes_an_opportunity_and_is_won_with_its_amount(rep_a, accepted_by):
    lead = accepted_by(rep_a)
    opportunity = services.opportunity_create(lead=lead, user=rep_a, amount=Decimal("12000"))
    lead.refresh_from_db()
    assert lead.status == "opportunity" and opportunity.name == str(lead.account)
    services.opportunity_close(
        opportunity=opportunity, user=rep_a, won=True, amount=Decimal("15000")
    )
    lead.refresh_from_db(), opportunity.refresh_from_db()
    assert (lead.status, opportunity.stage, opportunity.amount) == ("won", "won", 15000)
    assert opportunity.closed_at and lead.closed_at
    with pytest.raises(ValidationError, match="already Won"):
        services.opportunity_close(opportunity=opportunity, user=rep_a, won=False, amount=0)


def test_a_lost_deal_closes_the_lead_as_lost(rep_a, accepted_by):
    lead = accepted_by(rep_a)
    opportunity = services.opportunity_create(lead=lead, user=rep_a, amount=Decimal("5000"))
    services.opportunity_close(opportunity=opportunity, user=rep_a, won=False, amount=0)
    lead.refresh_from_db()
    assert lead.status == "lost"


def test_a_negative_amount_is_refused(rep_a, accepted_by):
    with pytest.raises(ValidationError):
        services.opportunity_create(lead=accepted_by(rep_a), user=rep_a, amount=Decimal("-1"))


def test_marketing_recycles_a_disqualified_lead(
    marketer, rep_a, accepted_by, no_budget, sla, agree
):
    agree(min_attempts_before_disqualify=0)
    lead = accepted_by(rep_a)
    services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="Next year")
    services.lead_recycle(lead=lead, user=marketer)
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("recycled", None)


# --- reassignment -------------------------------------------------------------------


def test_manager_reassigns_an_untouched_lead_and_the_new_owner_gets_a_fresh_deadline(
    manager_a, team_a, rep_a, handed_to
):
    rep_c = make_salesperson("rep_c", team_a)
    lead = handed_to(rep_a)
    old_due = lead.first_touch_due_at
    services.lead_reassign(lead=lead, user=manager_a, to_user=rep_c, note="Ravi is on leave")
    lead.refresh_from_db()
    assert lead.owner == rep_c and lead.first_touch_due_at > old_due
    statuses = dict(lead.handoffs.values_list("to_user__username", "status"))
    assert statuses == {"rep_a": "superseded", "rep_c": "pending"}
    assert Notification.objects.filter(recipient=rep_c, kind="lead_reassigned").exists()


def test_a_manager_cannot_take_another_teams_lead_or_give_it_outside_their_team(
    manager_a, manager_b, rep_a, rep_b, handed_to
):
    lead = handed_to(rep_a)
    with pytest.raises(PermissionDenied):
        services.lead_reassign(lead=lead, user=manager_b, to_user=rep_b, note="x")
    with pytest.raises(ValidationError):
        services.lead_reassign(lead=lead, user=manager_a, to_user=rep_b, note="x")


# --- the SLA breach scan ------------------------------------------------------------


def test_the_breach_scan_notifies_rep_and_manager_once_in_app_and_by_email(
    rep_a, manager_a, handed_to
):
    late = handed_to(rep_a)
    on_time = handed_to(rep_a)
    touched = handed_to(rep_a)
    Lead.objects.filter(pk__in=[late.pk, touched.pk]).update(
        first_touch_due_at=timezone.now() - timedelta(hours=1)
    )
    Lead.objects.filter(pk=touched.pk).update(first_touch_at=timezone.now())

    assert services.sla_breaches_scan() == 1
    assert services.sla_breaches_scan() == 0

    breach = SlaBreach.objects.get()
    assert (breach.lead_id, breach.salesperson, breach.team.manager) == (late.pk, rep_a, manager_a)
    notified = Notification.objects.filter(kind="sla_breach")
    assert sorted(notified.values_list("recipient__username", flat=True)) == [
        "manager_a",
        "rep_a",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [manager_a.email, rep_a.email]
    assert on_time.pk not in SlaBreach.objects.values_list("lead_id", flat=True)


def test_a_breach_whose_notification_failed_is_retried_by_the_next_scan(
    rep_a, manager_a, handed_to, monkeypatch
):
    lead = handed_to(rep_a)
    Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=1))

    def broken_mail(**kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(services.sla, "send_mail", broken_mail)
    with pytest.raises(ConnectionRefusedError):
        services.sla_breaches_scan()
    assert SlaBreach.objects.get().notified_at is None
    monkeypatch.undo()
    assert services.sla_breaches_scan() == 1
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(kind="sla_breach").count() == 2


def test_a_late_first_touch_resolves_the_breach(rep_a, accepted_by):
    lead = accepted_by(rep_a)
    Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=3))
    services.sla_breaches_scan()
    log(lead, rep_a)
    breach = SlaBreach.objects.get()
    assert breach.resolved_at is not None and 2.9 < breach.hours_late < 3.1


# --- entering a lead by hand ------------------------------------------------------------


def test_lead_create_takes_only_what_a_person_may_say_about_a_new_lead(marketer, rep_a):
    with pytest.raises(TypeError, match=r"unexpected field\(s\): owner, status"):
        services.lead_create(user=marketer, email="x@y.example", status="won", owner=rep_a)
    assert not Lead.objects.exists()
    lead = services.lead_create(
        user=marketer, email=" Ada@Engines.example ", first_name="Ada", company="Engines"
    )
    again = services.lead_create(user=marketer, email="b@engines.example", company="engines ")
    assert (lead.email, lead.status, lead.owner) == ("ada@engines.example", "new", None)
    assert lead.account == again.account and lead.account.name == "Engines"


def test_only_marketing_enters_leads(rep_a):
    with pytest.raises(PermissionDenied, match="Your role does not allow this."):
        services.lead_create(user=rep_a, email="x@y.example")
