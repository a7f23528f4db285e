"""Loop health is read from a rollup (HandoffFact: each handed-off lead's first touch and
counted breach). Whatever was written through the services, the page's figures equal
the request-time computation (insight.selectors.health.request_time_loop_health)
exactly, for every filter, and the full rebuild and the migration give the same rows
as the writes kept."""

import dataclasses
import importlib
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from insight import selectors, services
from insight.models import HandoffFact
from insight.selectors.health import request_time_loop_health
from insight.tasks import attribution_rebuild_all_task
from leads import services as lead_services
from leads.models import Lead, LeadList, SlaBreach, Team
from messaging.models import Persona
from smarketing.csvio import csv_response
from smarketing.preferences import preferences_save
from tests.support.factories import LeadFactory, handoff_backdate, make_salesperson

FIGURES = [f.name for f in dataclasses.fields(selectors.LoopHealth) if f.name not in (
    "filterset", "as_of")]  # fmt: skip


def figures_of(health) -> dict:
    return {name: getattr(health, name) for name in FIGURES}


def assert_rollup_matches_request_time(filters_list, now) -> int:
    """The page's figures from the rollup equal the request-time ones for each filter;
    returns how many of the filters had handed-off leads (so a test shows it looked)."""
    seen = 0
    for filters in filters_list:
        from_rollup = selectors.loop_health(filters=filters, now=now)
        at_request = request_time_loop_health(filters=filters, now=now)
        assert not from_rollup.filterset.errors, filters
        assert figures_of(from_rollup) == figures_of(at_request), filters
        seen += bool(at_request.handed_off)
    return seen


def facts() -> dict:
    """What the rollup says of each handed-off lead's current handoff, as the page reads
    it: the row joined on the lead's handoff time, or, without one (a row of an earlier
    handoff, or none, as after a handoff time set by hand in a story), not touched and
    no breach."""
    rows = {
        lead_id: (handed, first, breached)
        for lead_id, handed, first, breached in HandoffFact.objects.values_list(
            "lead_id", "handed_off_at", "first_touch", "breached"
        )
    }
    return {
        lead_id: rows[lead_id] if rows.get(lead_id, (None,))[0] == handed else (handed, None, False)
        for lead_id, handed in Lead.objects.filter(handed_off_at__isnull=False).values_list(
            "pk", "handed_off_at"
        )
    }


@pytest.fixture
def world(loop_story, team_a, team_b, rep_a, rep_b, now):
    """The loop story's leads, and a persona and a list on some of them."""
    persona = Persona.objects.create(name="CFO, mid-size")
    shows = LeadList.objects.create(name="Show B", source="Trade show", status="done")
    Lead.objects.filter(pk__in=[loop_story["L1"].pk, loop_story["L6"].pk]).update(
        persona=persona, lead_list=shows
    )
    today = timezone.localdate()
    year = {"since": (today - timedelta(days=365)).isoformat(), "until": today.isoformat()}
    last_days = {"since": (today - timedelta(days=2)).isoformat(), "until": today.isoformat()}
    return {
        "leads": loop_story,
        "filters": [
            {}, year, last_days, {"team": team_a.pk}, {"team": team_b.pk},
            {"source": "Trade show"}, {"source": "Webinar", **year},
            {"persona": persona.pk}, {"lead_list": shows.pk},
            {"team": team_a.pk, "persona": persona.pk, **year},
        ],
        "persona": persona,
    }  # fmt: skip


def attempt(lead, rep, at, outcome="no_answer"):
    lead_services.attempt_log(lead=lead, user=rep, channel="call", outcome=outcome, occurred_at=at)
    lead.refresh_from_db()


def test_rollup_figures_equal_request_time_figures_after_a_series_of_writes(
    world, rep_a, rep_b, team_a, manager_a, marketer, accepted_by, no_budget, now,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    filters = world["filters"]
    # The loop story as written by the services: handoffs, attempts in and after the
    # deadline, the scan, a late touch, two disqualifications.
    assert assert_rollup_matches_request_time(filters, now) >= 8
    # Later, when the lead still inside its window (L4) has become due, and earlier.
    assert_rollup_matches_request_time(filters, now + timedelta(days=2))
    assert_rollup_matches_request_time(filters, now - timedelta(hours=20))

    # A lead scanned untouched, then an attempt dated before its deadline is logged: a
    # false alarm (resolved at the call's time, before the deadline), not a breach.
    called_in_time = accepted_by(rep_a, persona=world["persona"])
    handed = handoff_backdate(called_in_time, now - timedelta(hours=40))
    Lead.objects.filter(pk=called_in_time.pk).update(
        first_touch_due_at=handed + timedelta(hours=24)
    )
    lead_services.sla_breaches_scan(now=now)
    assert SlaBreach.objects.filter(lead=called_in_time, resolved_at__isnull=True).exists()
    assert_rollup_matches_request_time(filters, now)
    attempt(called_in_time, rep_a, handed + timedelta(hours=3))
    assert HandoffFact.objects.get(lead=called_in_time).breached is False
    assert_rollup_matches_request_time(filters, now)
    # A later attempt dated before the first one lowers the first touch.
    attempt(called_in_time, rep_a, handed + timedelta(hours=1))
    assert HandoffFact.objects.get(lead=called_in_time).first_touch == handed + timedelta(hours=1)
    assert_rollup_matches_request_time(filters, now)

    # A lead breached under rep_a, then reassigned untouched to rep_c (a fresh
    # deadline), breached again under rep_c, then touched late.
    rep_c = make_salesperson("rep_c", team_a)
    reassigned = accepted_by(rep_a, source="Trade show")
    handed = handoff_backdate(reassigned, now - timedelta(days=3))
    Lead.objects.filter(pk=reassigned.pk).update(first_touch_due_at=handed + timedelta(hours=24))
    lead_services.sla_breaches_scan(now=now - timedelta(days=1))
    lead_services.lead_reassign(lead=reassigned, user=manager_a, to_user=rep_c, note="Cover")
    reassigned.refresh_from_db()
    lead_services.sla_breaches_scan(now=now + timedelta(days=2))
    assert SlaBreach.objects.filter(lead=reassigned).count() == 2
    assert_rollup_matches_request_time(filters, now + timedelta(days=2))
    attempt(reassigned, rep_c, now + timedelta(minutes=1))
    assert_rollup_matches_request_time(filters, now + timedelta(days=2))

    # Disqualified, recycled by marketing, handed off again: the new handoff has no touch
    # and no breach yet (the old attempts and breach belong to the earlier handoff)...
    again = world["leads"]["L2"]
    for hours in (40, 41):
        attempt(again, rep_a, again.handed_off_at + timedelta(hours=hours))
    lead_services.lead_disqualify(lead=again, user=rep_a, reason=no_budget, note="Later.")
    assert_rollup_matches_request_time(filters, now)
    lead_services.lead_recycle(lead=again, user=marketer)
    assert_rollup_matches_request_time(filters, now)
    lead_services.lead_handoff(leads=[again], user=marketer, to_user=rep_b)
    again.refresh_from_db()
    assert HandoffFact.objects.get(lead=again).handed_off_at == again.handed_off_at
    assert HandoffFact.objects.get(lead=again).first_touch is None
    assert_rollup_matches_request_time(filters, now)
    assert_rollup_matches_request_time(filters, now + timedelta(days=2))
    # ...until rep_b accepts and touches it.
    lead_services.handoff_accept(handoff=again.handoffs.get(status="pending"), user=rep_b)
    attempt(again, rep_b, timezone.now(), outcome="connected")
    assert_rollup_matches_request_time(filters, timezone.now())

    # A deal won and one lost change the leads' status, not their handoff figures.
    with django_capture_on_commit_callbacks(execute=True):
        won = lead_services.opportunity_create(
            lead=world["leads"]["L1"], user=rep_a, amount=Decimal("100")
        )
        lead_services.opportunity_close(opportunity=won, user=rep_a, won=True, amount=won.amount)
    assert_rollup_matches_request_time(filters, timezone.now())

    # A hand-off past the team's capacity waits in the backlog (no handoff time, nothing
    # counted), and is counted from its release.
    Team.objects.filter(pk=rep_b.team_membership.team_id).update(open_leads_per_rep=0)
    [waiting] = lead_services.lead_handoff(leads=[LeadFactory()], user=marketer, to_user=rep_b)
    assert waiting.status == "queued"
    assert not HandoffFact.objects.filter(lead=waiting.lead).exists()
    assert_rollup_matches_request_time(filters, timezone.now())
    Team.objects.filter(pk=rep_b.team_membership.team_id).update(open_leads_per_rep=None)
    assert lead_services.backlog_release() == 1
    assert HandoffFact.objects.filter(lead=waiting.lead, first_touch=None).exists()
    assert_rollup_matches_request_time(filters, timezone.now() + timedelta(days=2))

    # The nightly rebuild rewrites exactly what the writes kept.
    kept = facts()
    assert services.handoff_facts_rebuild_all(batch_size=3) == len(kept)
    assert facts() == kept


def test_a_write_that_rolls_back_leaves_the_rollup_as_it_was(rep_a, sla, accepted_by):
    made = accepted_by(rep_a)
    before = facts()
    with pytest.raises(RuntimeError), transaction.atomic():
        attempt(made, rep_a, timezone.now())
        assert HandoffFact.objects.get(lead=made).first_touch is not None
        raise RuntimeError("the request failed after the attempt")
    assert facts() == before


def test_full_rebuild_and_migration_fill_make_the_rows_the_writes_keep(world, now):
    kept = facts()
    assert len(kept) == 7  # the story's seven handed-off leads
    # A row changed by hand, a missing row and a row of a lead no longer handed off: the
    # full rebuild puts each right (the nightly task and the command run it).
    lead_1, lead_3 = world["leads"]["L1"], world["leads"]["L3"]
    HandoffFact.objects.filter(lead=lead_1).update(breached=True, first_touch=None)
    HandoffFact.objects.filter(lead=lead_3).delete()
    stray = LeadFactory()
    HandoffFact.objects.create(lead=stray, handed_off_at=now, breached=True)
    assert facts() != kept
    result = attribution_rebuild_all_task()
    assert result["handoff_facts"] == 7
    assert facts() == kept
    assert HandoffFact.objects.count() == 7

    # The migration's fill (with the migration's models) gives the same rows.
    migration = importlib.import_module("insight.migrations.0005_handoff_fact")
    HandoffFact.objects.all().delete()
    migration.fill_facts(apps, None)
    assert facts() == kept


def test_the_page_says_how_fresh_its_figures_are_in_the_readers_time_zone(
    loop_story, client_for, marketer, now
):
    health = selectors.loop_health(filters={}, now=now)
    assert health.as_of == max(HandoffFact.objects.values_list("updated_at", flat=True))
    preferences_save(user=marketer, time_zone="Asia/Tokyo")
    page = client_for(marketer).get("/insight/loop-health/").content.decode()
    in_tokyo = health.as_of.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'First touches and breaches as of <time datetime="{in_tokyo.isoformat()}">' in page
    assert f">{in_tokyo.day} {in_tokyo:%b %H:%M}</time>" in page


def test_the_csv_has_the_request_time_figures(world, client_for, marketer, team_a):
    from insight import charts

    query = {"team": team_a.pk}
    for figure in charts.loop_health_figures(request_time_loop_health(filters=query)):
        response = client_for(marketer).get(f"/insight/loop-health/{figure.key}.csv", query)
        expected = csv_response(f"loop-health-{figure.key}", figure.headers, figure.rows)
        assert response.content == expected.content, figure.key
