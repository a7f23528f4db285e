"""The play recommended at handoff, checked against figures computed by hand."""

import pytest

from leads import services
from leads.models import Play
from leads.recommend import recommend, wilson_interval
from messaging.models import Persona
from tests.support.factories import AccountFactory, LeadFactory


def closed(persona, play, *, won, lost, source="Webinar", size="50-249", industry="Manufacturing"):
    for status, how_many in (("won", won), ("lost", lost)):
        for _ in range(how_many):
            LeadFactory(
                persona=persona,
                play=play,
                status=status,
                source=source,
                account=AccountFactory(size=size, industry=industry),
            )


@pytest.fixture
def history(db):
    """CFO leads from webinars at mid-size manufacturers, and some that are not similar.

    Play A: 8 similar closed leads, 5 won (62.5%). Play B: 6 similar (same source and
    size, another industry), 4 won. Play C: 10 won, but matching on source only, so not
    similar. Play A's 5 wins with another persona do not count either."""
    cfo, it = Persona.objects.create(name="CFO"), Persona.objects.create(name="Head of IT")
    a, b, c = (Play.objects.create(name=n, persona=cfo) for n in ("A", "B", "C"))
    closed(cfo, a, won=5, lost=3)
    closed(cfo, b, won=4, lost=2, industry="Retail")
    closed(cfo, c, won=10, lost=0, size="1000+", industry="Retail")
    closed(it, a, won=5, lost=0)
    return {"cfo": cfo, "a": a, "b": b, "c": c}


def test_the_play_that_won_most_for_similar_leads_is_recommended_with_its_evidence(history):
    lead = LeadFactory(
        persona=history["cfo"],
        source="Webinar",
        account=AccountFactory(size="50-249", industry="Manufacturing"),
    )
    result = services.play_recommendation(lead)
    assert result.play_id == history["a"].pk
    assert (result.evidence.n, result.evidence.wins, result.evidence.win_rate) == (8, 5, 0.625)
    # By hand: p = 5/8, z = 1.96: centre 0.5845, margin 0.2787.
    low, high = result.evidence.interval
    assert (round(low, 3), round(high, 3)) == (0.306, 0.863)
    assert [(e.play_id, e.n, e.wins) for e in result.candidates] == [
        (history["a"].pk, 8, 5),
        (history["b"].pk, 6, 4),
    ]


def test_below_five_similar_closed_leads_it_is_too_few_to_tell(history):
    coo = Persona.objects.create(name="COO")
    closed(coo, history["a"], won=3, lost=1)
    lead = LeadFactory(
        persona=coo, source="Webinar", account=AccountFactory(size="50-249", industry="Retail")
    )
    result = services.play_recommendation(lead)
    assert result.too_few_to_tell and result.play_id is None
    assert (result.evidence.play_id, result.evidence.n, result.evidence.wins) == (
        history["a"].pk,
        4,
        3,
    )
    # One more closed lead reaches the floor: then it recommends.
    closed(coo, history["a"], won=0, lost=1)
    assert services.play_recommendation(lead).play_id == history["a"].pk


def test_no_similar_history_recommends_nothing():
    rows = [{"play_id": 1, "source": "x", "size": "s", "industry": "i", "n": 9, "wins": 9}]
    assert recommend({"source": "x", "size": "t", "industry": "j"}, rows).evidence is None


def test_the_marketers_choice_is_recorded_beside_the_recommendation(history, marketer, rep_a):
    lead = LeadFactory(
        persona=history["cfo"],
        source="Webinar",
        account=AccountFactory(size="50-249", industry="Manufacturing"),
    )
    [handoff] = services.lead_handoff(leads=[lead], user=marketer, to_user=rep_a, play=history["b"])
    assert (handoff.recommended_play, handoff.play) == (history["a"], history["b"])


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(10, 10)
    assert round(high, 9) == 1.0 and round(low, 3) == 0.722
