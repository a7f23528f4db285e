"""Lead stories: helpers that walk a lead through the real services."""

import pytest

from leads import services
from leads.models import DisqualificationReason
from tests.support.factories import LeadFactory, PlayFactory, PlayStepFactory
from tests.support.messaging_factories import make_message, publish


@pytest.fixture
def sla(db):
    """The general SLA in force: first touch within 24 h, 3 attempts before disqualifying
    (agreement version 1, made by the migration; the built-in terms are the same when a
    transactional test flushed it)."""
    return services.sla_policy_for("")


@pytest.fixture
def no_budget(db):
    return DisqualificationReason.objects.get_or_create(name="No budget")[0]


@pytest.fixture
def play(marketer):
    """A three-step play whose steps use published messages."""
    play = PlayFactory(name="CFO outreach")
    for position, (day, channel, title) in enumerate(
        [(0, "call", "Value proposition for CFOs"), (2, "email", "ROI email"), (5, "call", "")]
    ):
        message = None
        if title:
            message = make_message(marketer, title=title)
            publish(message, marketer, body=f"# {title}\n\nWe cut month-end close by two days.")
        PlayStepFactory(play=play, position=position, day_offset=day, channel=channel,
                        message=message)  # fmt: skip
    return play


@pytest.fixture
def handed_to(marketer):
    """handed_to(rep, play=None) → a new lead handed off to `rep` by the marketer."""

    def make(rep, play=None, **fields):
        lead = LeadFactory(**fields)
        services.lead_handoff(leads=[lead], user=marketer, to_user=rep, play=play)
        lead.refresh_from_db()
        return lead

    return make


@pytest.fixture
def accepted_by(handed_to):
    """accepted_by(rep) → a lead handed to `rep` and accepted."""

    def make(rep, play=None, **fields):
        lead = handed_to(rep, play=play, **fields)
        services.handoff_accept(handoff=lead.handoffs.get(), user=rep)
        lead.refresh_from_db()
        return lead

    return make
