"""A small company where every kind of object exists once, owned by team A.

Used by the tests that sweep every URL or every form (permission matrix, fuzzing).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from api.models import WebhookDelivery, WebhookSubscription
from api.tokens import token_create
from feedback import services as feedback_services
from feedback.models import ObjectionTag, PassageDrift, Suggestion
from leads import services as lead_services
from leads.agreement_terms import Terms
from leads.models import LeadList, Play
from messaging import services as messaging_services
from messaging.models import Persona
from messaging.services_experiments import experiment_start
from notifications.models import Notification
from tests.feedback.conftest import BODY, SAID
from tests.support.factories import LeadFactory
from tests.support.messaging_factories import make_message, publish


def _webhook(user):
    # Made directly: the service would resolve the host, and the tests have no network.
    return WebhookSubscription.objects.create(
        url="https://crm.example.com/hooks", events=["lead.disqualified"], secret="s" * 64,
        created_by=user,
    )  # fmt: skip


@pytest.fixture
def world(marketer, rep_a, rep_b, manager_a, manager_b, admin, accepted_by, handed_to):
    """Team A's objects: a message (v1 retired, v2 live, v3 draft), rep_a's lead with a
    call, an open suggestion and an opportunity; a handoff waiting for rep_a; an import."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    message = make_message(marketer, title="Value proposition for CFOs", body=BODY)
    publish(message, marketer)
    live = publish(message, marketer, body=BODY + "\n\nSee you soon.")
    messaging_services.draft_create(message=message, user=marketer)
    lead = accepted_by(rep_a)
    call = feedback_services.call_log_create(
        user=rep_a, lead=lead, version=live, reaction=4, outcome="interested",
        edited_body=SAID + "\n\nSee you soon.",
    )  # fmt: skip
    feedback_services.call_log_process(call_log_id=call.pk)
    lead_services.opportunity_create(lead=lead, user=rep_a, amount=Decimal("1000"), name="Deal")
    pending = handed_to(rep_a)
    upload = SimpleUploadedFile("list.csv", b"Email\nx@example.com\n", content_type="text/csv")
    lead_list = lead_services.lead_import_create(user=marketer, uploaded_file=upload)
    # A second message under a running experiment (v1 against v2).
    track = make_message(marketer, title="ROI talk track", body="Hello", kind="talk_track")
    publish(track, marketer)
    challenger = messaging_services.draft_create(message=track, user=marketer)
    messaging_services.draft_save(
        version=challenger, user=marketer, body="Hello there", revision=challenger.revision
    )
    experiment = experiment_start(
        message=track,
        user=marketer,
        ends_on=timezone.localdate() + timedelta(days=30),
        baseline_rate=0.5,
        min_effect=0.1,
        change_summary="Warmer opening",
        seed=1,
    )
    return {
        "message": message.pk,
        "experiment_message": track.pk,
        "experiment": experiment.pk,
        "persona": Persona.objects.create(name="CFO").pk,
        "live_version": live.pk,
        "notification": Notification.objects.create(recipient=rep_a, kind="t", text="hi").pk,
        "call": call.pk,
        "suggestion": Suggestion.objects.get().pk,
        "lead": lead.pk,
        "handoff": pending.handoffs.get().pk,
        "lead_list": LeadList.objects.get(pk=lead_list.pk).pk,
        "other_lead": LeadFactory().pk,
        "passage_key": live.passages.order_by("position").first().key,
        "drift": PassageDrift.objects.create(
            version=live, passage_key=live.passages.first().key, share=0.6, calls=3
        ).pk,
        "play": Play.objects.create(name="CFO outreach").pk,
        # rep_a's API token (only its owner may revoke it), a webhook with one delivery.
        "api_token": token_create(user=rep_a, name="CRM sync")[0].pk,
        "webhook": (webhook := _webhook(marketer)).pk,
        "webhook_delivery": WebhookDelivery.objects.create(
            subscription=webhook, event="lead.disqualified", payload={}
        ).pk,
        "objection": ObjectionTag.objects.get_or_create(
            name="Too expensive", defaults={"status": ObjectionTag.Status.PROPOSED}
        )[0].pk,
        # A change waiting for signatures (unsigned, so it changes nothing).
        "agreement": lead_services.agreement_propose(
            user=admin, terms=Terms(hours_to_first_touch=5), summary="Faster"
        ).pk,
    }
