"""The agreement both heads sign: a change counts only once both have signed it, and
every rule it governs (the SLA, qualification, disqualifying) names the version."""

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leads import services
from leads.agreement_terms import Terms, redline
from leads.models import AgreementVersion, Lead, SlaBreach
from tests.support.factories import LeadFactory


def propose(user, **changes):
    _, current = services.terms_in_force()
    return services.agreement_propose(
        user=user, terms=dataclasses.replace(current, **changes), summary="Faster first touch"
    )


def test_version_one_is_the_sla_rows_as_they_were(db):
    version, terms = services.terms_in_force()
    assert version.number == 1
    assert (terms.hours_to_first_touch, terms.min_attempts_before_disqualify) == (24, 3)


def test_an_unsigned_change_has_no_effect_until_both_heads_sign(
    head_of_marketing, head_of_sales, marketer, rep_a, handed_to
):
    change = propose(head_of_marketing, hours_to_first_touch=4)
    lead = handed_to(rep_a)
    assert lead.first_touch_due_at - lead.handed_off_at == timedelta(hours=24)

    services.agreement_sign(version=change, user=head_of_marketing)
    assert services.agreement_in_force().number == 1
    lead = handed_to(rep_a)
    assert lead.first_touch_due_at - lead.handed_off_at == timedelta(hours=24)

    signed = services.agreement_sign(version=change, user=head_of_sales)
    assert signed.in_force_from is not None
    assert services.agreement_in_force() == change
    lead = handed_to(rep_a)
    assert lead.first_touch_due_at - lead.handed_off_at == timedelta(hours=4)
    assert lead.handoffs.get().agreement == change


def test_only_the_two_heads_sign_and_one_person_signs_one_side(
    head_of_marketing, head_of_sales, marketer, admin
):
    change = propose(head_of_marketing, hours_to_first_touch=8)
    for outsider in (marketer, admin):
        with pytest.raises(PermissionDenied, match="head of marketing and the head of sales"):
            services.agreement_sign(version=change, user=outsider)
    services.agreement_sign(version=change, user=head_of_marketing)
    with pytest.raises(PermissionDenied, match="waits for the other head"):
        services.agreement_sign(version=change, user=head_of_marketing)
    # Someone holding both heads' roles still signs only one side.
    from django.contrib.auth.models import Group

    head_of_marketing.groups.add(Group.objects.get(name="Head of sales"))
    del head_of_marketing._smarketing_roles
    with pytest.raises(PermissionDenied, match="one person signs one side"):
        services.agreement_sign(version=change, user=head_of_marketing)
    assert AgreementVersion.objects.get(pk=change.pk).in_force_from is None


def test_one_change_waits_at_a_time_and_a_withdrawn_one_never_counts(
    head_of_marketing, head_of_sales
):
    change = propose(head_of_marketing, hours_to_first_touch=8)
    with pytest.raises(ValidationError, match="already waiting"):
        propose(head_of_sales, hours_to_first_touch=12)
    services.agreement_withdraw(version=change, user=head_of_sales)
    with pytest.raises(PermissionDenied, match="not waiting"):
        services.agreement_sign(version=change, user=head_of_marketing)
    assert propose(head_of_sales, hours_to_first_touch=12).number == 3


def test_each_signer_sees_the_redline_against_the_version_in_force(head_of_marketing):
    change = propose(head_of_marketing, hours_to_first_touch=4, leads_per_month=300)
    lines = {c.label: (c.before, c.after) for c in services.agreement_redline(change)}
    assert lines == {
        "First touch within (hours)": ("24", "4"),
        "Marketing commits: leads per month": ("0", "300"),
    }


def test_each_breach_names_the_agreement_version_that_set_its_deadline(rep_a, handed_to, agree):
    old = handed_to(rep_a)
    v2 = agree(hours_to_first_touch=2)
    new = handed_to(rep_a)
    Lead.objects.filter(pk__in=[old.pk, new.pk]).update(
        first_touch_due_at=timezone.now() - timedelta(minutes=1)
    )
    services.sla_breaches_scan()
    versions = dict(SlaBreach.objects.values_list("lead_id", "agreement__number"))
    assert versions == {old.pk: 1, new.pk: v2.number}


def test_loop_health_says_which_agreement_version_judged_its_breaches(rep_a, handed_to, agree):
    from insight import selectors as insight_selectors

    old = handed_to(rep_a)
    v2 = agree(hours_to_first_touch=2)
    new = [handed_to(rep_a), handed_to(rep_a)]
    now = timezone.now()
    Lead.objects.filter(pk__in=[old.pk, *(lead.pk for lead in new)]).update(
        handed_off_at=now - timedelta(hours=3), first_touch_due_at=now - timedelta(minutes=1)
    )
    services.sla_breaches_scan()
    health = insight_selectors.loop_health(filters={})
    assert health.breaches == 3
    assert health.breaches_by_agreement == [(v2.number, 2), (1, 1)]


def test_a_disqualification_names_its_version_and_uses_only_the_reasons_allowed(
    rep_a, accepted_by, no_budget, agree
):
    from leads.models import DisqualificationReason

    bad_data = DisqualificationReason.objects.get_or_create(name="Bad contact data")[0]
    version = agree(min_attempts_before_disqualify=0, disqualification_reasons=("No budget",))
    lead = accepted_by(rep_a)
    with pytest.raises(ValidationError, match="allows these reasons only: No budget"):
        services.lead_disqualify(lead=lead, user=rep_a, reason=bad_data, note="Bounced.")
    services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="No money this year.")
    lead.refresh_from_db()
    assert lead.disqualified_under == version


def test_the_agreement_can_ask_for_attempts_on_several_channels(rep_a, accepted_by, agree):
    agree(min_attempts_before_disqualify=2, min_channels_before_disqualify=2)
    lead = accepted_by(rep_a)
    for _ in range(2):
        services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    lead.refresh_from_db()
    check = services.disqualify_check(lead)
    assert not check.allowed and check.reason.startswith("Attempts on 1 of 2 channels")
    services.attempt_log(lead=lead, user=rep_a, channel="email", outcome="no_answer")
    lead.refresh_from_db()
    assert services.disqualify_check(lead).allowed


# --- qualification at handoff -------------------------------------------------------


def test_a_lead_missing_a_required_field_cannot_be_handed_off_without_an_override(
    marketer, head_of_marketing, rep_a, agree
):
    version = agree(required_fields=("phone",), required_fields_by_source={"Webinar": ["title"]})
    lead = LeadFactory(phone="", title="", source="Webinar")
    with pytest.raises(ValidationError) as refused:
        services.lead_handoff(leads=[lead], user=marketer, to_user=rep_a)
    message = refused.value.message_dict["override_reason"][0]
    assert f"under agreement v{version.number}" in message
    assert "missing" in message and "phone, job title" in message
    assert not lead.handoffs.exists()

    # A marketer is not named by the agreement: the override is not theirs to make.
    with pytest.raises(PermissionDenied, match="Head of marketing"):
        services.lead_handoff(
            leads=[lead], user=marketer, to_user=rep_a, override_reason="Asked for a demo."
        )

    head_of_marketing.groups.add(marketer.groups.get())  # hand-offs are marketing's
    [handoff] = services.lead_handoff(
        leads=[lead], user=head_of_marketing, to_user=rep_a, override_reason="Asked for a demo."
    )
    assert (handoff.override_reason, handoff.overridden_by) == (
        "Asked for a demo.",
        head_of_marketing,
    )
    assert handoff.agreement == version


def test_a_qualifying_lead_records_no_override(marketer, rep_a, agree):
    agree(required_fields=("phone",))
    lead = LeadFactory(phone="+49 30 1234")
    [handoff] = services.lead_handoff(
        leads=[lead], user=marketer, to_user=rep_a, override_reason="ignored"
    )
    assert handoff.override_reason == "" and handoff.overridden_by is None


def test_qualification_gaps_name_fields_and_company_sizes():
    terms = Terms(
        required_fields=("phone", "account.industry"),
        required_fields_by_persona={"CFO": ["title"]},
        qualifying_sizes=("250-999", "1000+"),
    )

    class Persona:
        name = "CFO"

    class Account:
        industry = ""
        size = "50-249"

    class L:
        phone = ""
        title = "  "
        source = "Webinar"
        persona = Persona()
        account = Account()

    assert terms.qualification_gaps(L()) == [
        "phone",
        "company industry",
        "job title",
        "company size 250-999 or 1000+",
    ]


def test_terms_that_cannot_be_met_are_refused(head_of_marketing):
    with pytest.raises(ValidationError, match="More channels than attempts"):
        propose(
            head_of_marketing, min_attempts_before_disqualify=1, min_channels_before_disqualify=3
        )
    assert redline(None, Terms())[0].before == ""


def test_an_override_reason_longer_than_the_record_holds_is_refused(marketer, rep_a, agree):
    agree(required_fields=("phone",))
    with pytest.raises(ValidationError, match="At most 500 characters"):
        services.lead_handoff(
            leads=[LeadFactory(phone="")], user=marketer, to_user=rep_a, override_reason="x" * 501
        )
