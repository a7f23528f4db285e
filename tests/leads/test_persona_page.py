"""A persona's page: its messages, plays, lead lists and how often its deals are won."""

from decimal import Decimal

import pytest
from django.urls import reverse

from leads import services
from leads.models import LeadList
from messaging.models import Persona
from tests.support.factories import LeadFactory, PlayFactory
from tests.support.messaging_factories import make_message, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def cfo(db):
    return Persona.objects.create(name="CFO", description="Finance leaders")


def _won_and_lost(rep_a, accepted_by, cfo, won=1, lost=1):
    for index in range(won + lost):
        lead = accepted_by(rep_a)
        lead.persona = cfo
        lead.save(update_fields=["persona"])
        opportunity = services.opportunity_create(
            lead=lead, user=rep_a, amount=Decimal("100"), name=f"Deal {index}"
        )
        services.opportunity_close(
            opportunity=opportunity, user=rep_a, won=index < won, amount=Decimal("100")
        )


def test_the_persona_page_shows_everything_linked_to_it(
    client_for, marketer, rep_a, accepted_by, cfo
):
    message = make_message(marketer, title="ROI for CFOs", personas=[cfo])
    publish(message, marketer, body="# ROI\n\nTwo days saved.")
    PlayFactory(name="CFO outreach", persona=cfo)
    LeadList.objects.create(name="Finance summit", source="Event", persona=cfo)
    _won_and_lost(rep_a, accepted_by, cfo, won=1, lost=2)
    body = client_for(marketer).get(reverse("leads:persona_detail", args=[cfo.pk])).content.decode()
    assert "ROI for CFOs" in body and "v1 live" in body
    assert "CFO outreach" in body
    assert "Finance summit" in body
    assert "33 %" in body and "1 of 3" in body


def test_before_any_deal_closes_the_page_says_so(client_for, rep_a, cfo):
    LeadFactory(persona=cfo)
    body = client_for(rep_a).get(reverse("leads:persona_detail", args=[cfo.pk])).content.decode()
    assert "No closed opportunities yet" in body
    assert "Finance summit" not in body


def test_the_persona_list_links_to_the_page(client_for, rep_a, cfo):
    body = client_for(rep_a).get(reverse("messaging:persona_list")).content.decode()
    assert reverse("leads:persona_detail", args=[cfo.pk]) in body


@pytest.mark.parametrize("size", [1, 10])
def test_the_persona_page_costs_the_same_queries_whatever_the_size(
    client_for, marketer, cfo, django_assert_max_num_queries, size
):
    for index in range(size):
        make_message(marketer, title=f"Message {index}", personas=[cfo])
        PlayFactory(persona=cfo)
        LeadList.objects.create(name=f"List {index}", source="x", persona=cfo)
        LeadFactory(persona=cfo)
    client = client_for(marketer)
    with django_assert_max_num_queries(12):
        client.get(reverse("leads:persona_detail", args=[cfo.pk]))
