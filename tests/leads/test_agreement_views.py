"""The agreement, capacity and target pages, as the heads and their teams use them."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import AgreementVersion, GrowthTarget, Handoff, Team
from tests.support.factories import LeadFactory

FORM = {
    "summary": "Call webinar leads faster",
    "hours_to_first_touch": "6",
    "min_attempts_before_disqualify": "3",
    "min_channels_before_disqualify": "1",
    "sla_by_source": "Trade show: 4 h, 2 attempts",
    "required_fields": ["phone"],
    "required_fields_by_source": "Webinar: job title, company size",
    "required_fields_by_persona": "",
    "override_roles": ["Head of marketing"],
    "leads_per_month": "120",
    "max_bad_data_percent": "10",
}


def test_a_head_proposes_the_other_signs_after_reading_the_redline(
    client_for, head_of_marketing, head_of_sales
):
    client = client_for(head_of_marketing)
    response = client.post(reverse("leads:agreement_propose"), FORM)
    assert response.status_code == 302
    version = AgreementVersion.objects.get(number=2)
    assert version.parsed.sla_for("Trade show").hours_to_first_touch == 4
    assert version.parsed.required_fields_by_source == {"Webinar": ["title", "account.size"]}
    client.post(reverse("leads:agreement_sign", args=[version.pk]))

    page = client_for(head_of_sales).get(reverse("leads:agreement")).content.decode()
    assert "Waiting for signatures: version 2" in page
    assert "<del>24</del>" in page and "<ins>6</ins>" in page
    assert "Sign version 2" in page
    client_for(head_of_sales).post(reverse("leads:agreement_sign", args=[version.pk]))
    assert services.agreement_in_force() == version
    page = client_for(head_of_sales).get(reverse("leads:agreement")).content.decode()
    assert "In force: version 2" in page and "Waiting for signatures" not in page


def test_a_salesperson_reads_the_agreement_but_has_no_sign_button(client_for, rep_a, admin):
    services.agreement_propose(
        user=admin, terms=services.terms_in_force()[1].__class__(hours_to_first_touch=8)
    )
    page = client_for(rep_a).get(reverse("leads:agreement")).content.decode()
    assert "Waiting for signatures: version 2" in page and "Sign version 2" not in page
    assert client_for(rep_a).get(reverse("leads:agreement_propose")).status_code == 403


def test_a_bad_line_in_the_form_keeps_what_was_typed(client_for, head_of_sales):
    form = {**FORM, "sla_by_source": "Trade show fast"}
    response = client_for(head_of_sales).post(reverse("leads:agreement_propose"), form)
    assert response.status_code == 422
    text = response.content.decode()
    assert "Trade show fast" in text and "name: value" in text
    assert not AgreementVersion.objects.filter(number=2).exists()


def test_the_handoff_form_names_what_a_lead_misses_and_refuses_without_override(
    client_for, marketer, rep_a, agree
):
    agree(required_fields=("phone",))
    lead = LeadFactory(phone="")
    client = client_for(marketer)
    form = client.get(reverse("leads:handoff"), {"lead": lead.pk}).content.decode()
    assert "Does not qualify: missing phone" in form
    assert "Too few to tell" in form
    post = {"lead": [lead.pk], "confirm": "1", "assign": "person", "salesperson": rep_a.pk}
    refused = client.post(reverse("leads:handoff"), post)
    assert refused.status_code == 422 and "do not qualify under agreement v2" in (
        refused.content.decode()
    )
    # A marketer is not a role the agreement names for overrides: refused, in words.
    refused = client.post(reverse("leads:handoff"), {**post, "override_reason": "Hot lead"})
    assert refused.status_code == 422 and "lets only Head of marketing" in (
        refused.content.decode()
    )
    assert not Handoff.objects.filter(lead=lead).exists()


def test_marketing_sees_the_backlog_and_the_signal_to_slow_down(client_for, marketer, team_a):
    Team.objects.filter(pk=team_a.pk).update(open_leads_per_rep=0)
    now = timezone.now()
    for days_ago in (3, 2, 1, 0):
        services.lead_handoff(leads=[LeadFactory(last_name=f"Wait{days_ago}")], user=marketer,
                              team=team_a)  # fmt: skip
        Handoff.objects.filter(queued_at__gte=now - timedelta(seconds=5)).update(
            queued_at=now - timedelta(days=days_ago, minutes=1)
        )
    page = client_for(marketer).get(reverse("leads:capacity")).content.decode()
    assert "Slow the campaigns" in page
    assert page.index("Wait3") < page.index("Wait0")  # oldest first
    assert "4 hand-offs waiting" in page


def test_both_teams_home_pages_show_the_shared_target(client_for, marketer, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    services.opportunity_create(lead=lead, user=rep_a, amount=Decimal("25000"), name="Deal")
    today = timezone.localdate()
    GrowthTarget.objects.create(
        name="This quarter",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=80),
        pipeline_target=Decimal("100000"),
        revenue_target=Decimal("50000"),
    )
    for user in (marketer, rep_a):
        page = client_for(user).get(reverse("home")).content.decode()
        assert "Our target: This quarter" in page
        assert "Pipeline <strong>25,000</strong> of 100,000 EUR (25%)" in page
        assert "Follow-up rate" in page


def test_the_heads_set_the_target(client_for, head_of_marketing, marketer):
    data = {"name": "Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31",
            "pipeline_target": "300000", "revenue_target": "100000", "currency": "EUR"}  # fmt: skip
    assert client_for(marketer).post(reverse("leads:growth_target"), data).status_code == 403
    assert (
        client_for(head_of_marketing).post(reverse("leads:growth_target"), data).status_code == 302
    )
    assert GrowthTarget.objects.get().starts_on == date(2027, 1, 1)


def test_the_demo_has_a_signed_agreement_and_a_pending_change(db, capsys):
    call_command("seed_demo")
    in_force = services.agreement_in_force()
    assert in_force.number == 2 and in_force.marketing_signed_by.username == "maria"
    assert in_force.sales_signed_by.username == "nora"
    pending = AgreementVersion.objects.pending().get()
    assert pending.number == 3 and pending.sales_signed_at is None
    assert Handoff.objects.filter(status="queued").count() == 2
    assert GrowthTarget.objects.exists()
