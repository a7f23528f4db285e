"""A call logged well after it happened is kept, and shown as logged later."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.support.factories import handoff_backdate


def test_a_conversation_logged_later_is_shown_as_such_on_the_lead_and_the_call_page(
    client_for, rep_a, accepted_by, v1, log_call
):
    lead = accepted_by(rep_a)
    handoff_backdate(lead, timezone.now() - timedelta(days=1))
    call = log_call(rep_a, v1, lead=lead, occurred_at=timezone.now() - timedelta(hours=5))
    assert call.is_backdated
    client = client_for(rep_a)
    lead_page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    call_page = client.get(reverse("feedback:call_log_detail", args=[call.pk])).content.decode()
    assert lead_page.count("logged later") == 2  # the call, and the attempt it logged
    assert "logged later" in call_page
