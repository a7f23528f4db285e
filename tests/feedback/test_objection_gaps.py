"""Story: the objections no handler answers are ranked by the open pipeline they put at
stake, then by how often they are heard (the inbox panel and the daily digest)."""

from decimal import Decimal

import pytest
from django.core import mail

from feedback import selectors, services
from feedback.models import ObjectionTag
from leads import services as lead_services
from leads.models import Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def objections(rep_a, v1, log_call, accepted_by):
    """Calls by rep_a, with the deals on their leads (amounts to add up by hand):

    - "Too expensive": 3 calls on leads with a 10,000 deal in discovery (two calls), a
      5,000 deal in proposal, and a 50,000 deal already won (not at stake any more).
      At stake: 10,000 + 5,000 = 15,000 on 2 leads.
    - "Bad timing": 1 call, on a lead with a 40,000 deal in negotiation, and one on a
      lead with a 7,000 deal lost. At stake: 40,000 on 1 lead.
    - "No budget": 5 calls on leads without a deal. At stake: nothing.
    """
    price = ObjectionTag.objects.create(name="Too expensive")
    timing = ObjectionTag.objects.create(name="Bad timing")
    budget = ObjectionTag.objects.create(name="No budget")

    def lead_with(amount, stage):
        lead = accepted_by(rep_a)
        opportunity = lead_services.opportunity_create(
            lead=lead, user=rep_a, amount=Decimal(amount), name=f"Deal {amount}"
        )
        Opportunity.objects.filter(pk=opportunity.pk).update(stage=stage)
        return lead

    ten = lead_with("10000", Opportunity.Stage.DISCOVERY)
    log_call(rep_a, v1, objections=[price], lead=ten)
    log_call(rep_a, v1, objections=[price], lead=ten)
    log_call(rep_a, v1, objections=[price], lead=lead_with("5000", Opportunity.Stage.PROPOSAL))
    log_call(rep_a, v1, objections=[price], lead=lead_with("50000", Opportunity.Stage.WON))
    log_call(rep_a, v1, objections=[timing], lead=lead_with("40000", Opportunity.Stage.NEGOTIATION))
    log_call(rep_a, v1, objections=[timing], lead=lead_with("7000", Opportunity.Stage.LOST))
    for _ in range(5):
        log_call(rep_a, v1, objections=[budget])


def test_gaps_rank_by_pipeline_at_stake_then_by_how_often_they_are_heard(objections):
    gaps = selectors.objection_gaps()

    assert [(g.name, g.pipeline, g.leads_at_stake, g.heard) for g in gaps] == [
        ("Bad timing", Decimal("40000"), 1, 2),
        ("Too expensive", Decimal("15000"), 2, 4),
        ("No budget", Decimal("0"), 0, 5),
    ]


def test_with_no_pipeline_at_stake_the_most_heard_comes_first(rep_a, v1, log_call):
    rare = ObjectionTag.objects.create(name="Security review")
    common = ObjectionTag.objects.create(name="Integration effort")
    log_call(rep_a, v1, objections=[rare])
    for _ in range(3):
        log_call(rep_a, v1, objections=[common])

    assert [g.name for g in selectors.objection_gaps()] == ["Integration effort", "Security review"]


def test_the_digest_lists_the_gaps_by_pipeline_at_stake(objections, marketer):
    marketer.email = "maria@example.com"
    marketer.save()
    services.digest_send_daily()
    [email] = mail.outbox
    body = email.body
    assert body.index("Bad timing") < body.index("Too expensive") < body.index("No budget")
    assert "Too expensive: pipeline 15000 on 2 leads, heard 4 times" in body


@pytest.mark.parametrize("extra_calls", [0, 20])
def test_gaps_are_counted_in_a_fixed_number_of_queries(
    objections, rep_a, v1, log_call, django_assert_max_num_queries, extra_calls
):
    for n in range(extra_calls):
        tag = ObjectionTag.objects.create(name=f"Objection {n}")
        log_call(rep_a, v1, objections=[tag])
    # The handlers and their tags, the heard counts, the (objection, lead) pairs and
    # those leads' open deals: five, whatever the number of calls or objections.
    with django_assert_max_num_queries(5):
        gaps = selectors.objection_gaps(limit=50)
    assert len(gaps) == 3 + extra_calls
