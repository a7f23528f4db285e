"""The admin is not a second write path: what the services own is read-only there."""

from django.urls import reverse
from django.utils import timezone

from leads.models import Handoff, Lead, Opportunity


def change_form_post(client, lead, **changes):
    """POST the lead's admin change form as a browser would, with `changes` typed in."""
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "title": lead.title,
        "account": lead.account_id or "",
        "persona": "",
        "source": lead.source,
        "lead_list": "",
        "play": "",
        "created_at_0": timezone.localtime(lead.created_at).strftime("%Y-%m-%d"),
        "created_at_1": timezone.localtime(lead.created_at).strftime("%H:%M:%S"),
        "disqualification_note": "",
        "attempts-TOTAL_FORMS": "0",
        "attempts-INITIAL_FORMS": "0",
        "attempts-MIN_NUM_FORMS": "0",
        "attempts-MAX_NUM_FORMS": "1000",
        **changes,
    }
    return client.post(reverse("admin:leads_lead_change", args=[lead.pk]), data)


def test_an_admin_cannot_change_a_leads_status_or_owner_in_the_change_form(
    client_for, admin, rep_a, rep_b, accepted_by
):
    lead = accepted_by(rep_a)
    client = client_for(admin)
    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    assert 'name="status"' not in page and 'name="owner"' not in page
    response = change_form_post(client, lead, status="won", owner=rep_b.pk, title="CEO")
    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert (lead.status, lead.owner, lead.title) == ("accepted", rep_a, "CEO")


def test_handoff_status_and_opportunity_stage_and_amount_are_read_only(
    client_for, admin, rep_a, accepted_by
):
    from leads import services

    lead = accepted_by(rep_a)
    opportunity = services.opportunity_create(lead=lead, user=rep_a, amount=1000)
    client = client_for(admin)
    handoff_page = client.get(
        reverse("admin:leads_handoff_change", args=[Handoff.objects.get(lead=lead).pk])
    ).content.decode()
    assert 'name="status"' not in handoff_page
    opportunity_page = client.get(
        reverse("admin:leads_opportunity_change", args=[opportunity.pk])
    ).content.decode()
    assert 'name="stage"' not in opportunity_page and 'name="amount"' not in opportunity_page
    # Converting and handing off are services, so the admin has no "add" for them.
    assert client.get(reverse("admin:leads_opportunity_add")).status_code == 403
    assert client.get(reverse("admin:leads_handoff_add")).status_code == 403
    assert Opportunity.objects.get().stage == "discovery"
    assert Lead.objects.get().status == "opportunity"
