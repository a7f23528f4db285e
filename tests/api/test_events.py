"""Each service that the webhooks listen to publishes its domain event, with what a
receiver needs, inside its own transaction (smarketing.events)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import Suggestion
from leads import services as lead_services
from smarketing.events import EVENTS, domain_event, publish
from tests.support.messaging_factories import make_message
from tests.support.messaging_factories import publish as publish_version


@contextmanager
def heard():
    events = []

    def receiver(sender, *, name, payload, **kwargs):
        events.append((name, payload))

    domain_event.connect(receiver, dispatch_uid="test-heard")
    try:
        yield events
    finally:
        domain_event.disconnect(dispatch_uid="test-heard")


def test_a_published_version_is_told(marketer):
    message = make_message(marketer, title="ROI email", body="# ROI\n\nTwo days, not four.")
    with heard() as events:
        version = publish_version(message, marketer)
    [(name, payload)] = [e for e in events if e[0] == "version.published"]
    assert payload["version"] == version.pk and payload["number"] == 1
    assert payload["title"] == "ROI email" and payload["published_by"] == "marketer"


def test_an_accepted_suggestion_is_told(world, marketer):
    suggestion = Suggestion.objects.get(pk=world["suggestion"])
    with heard() as events:
        draft = feedback_services.suggestion_accept(suggestion=suggestion, user=marketer)
    [(_name, payload)] = [e for e in events if e[0] == "suggestion.accepted"]
    assert payload["suggestion"] == suggestion.pk and payload["draft"] == draft.pk


def test_a_handoff_is_told_once_per_lead(handed_to, rep_a):
    with heard() as events:
        lead = handed_to(rep_a)
    assert [(n, p["lead"], p["to"]) for n, p in events] == [("lead.handed_off", lead.pk, "rep_a")]


def test_an_sla_breach_is_told(handed_to, rep_a, sla):
    lead = handed_to(rep_a)
    with heard() as events:
        lead_services.sla_breaches_scan(now=timezone.now() + timedelta(hours=25))
    assert [(n, p["lead"]) for n, p in events] == [("sla.breached", lead.pk)]


def test_an_unknown_event_is_a_programming_error():
    assert "lead.disqualified" in EVENTS
    with pytest.raises(ValueError):
        publish("lead.vanished", {})
