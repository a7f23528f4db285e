"""Who may do what with a lead, and when, told as the people who use it would tell it.

Each story asks leads.policies; the last tests render the lead page for every persona
and every lead status and check that it offers exactly what the policy allows, so no
template restates a rule.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from leads import services
from leads.models import Lead
from leads.policies import LEAD_ACTIONS, HandoffPolicy, LeadPolicy, MarketingPolicy
from tests.support.factories import LeadFactory


def log(lead, rep, times=1):
    for _ in range(times):
        services.attempt_log(lead=lead, user=rep, channel="call", outcome="no_answer")
    lead.refresh_from_db()
    return lead


# --- marketing -------------------------------------------------------------------------


def test_only_marketing_enters_qualifies_hands_off_and_imports_leads(marketer, rep_a, manager_a):
    for action in ("can_create", "can_qualify", "can_handoff", "can_import"):
        assert getattr(MarketingPolicy(marketer), action)()
        refused = getattr(MarketingPolicy(rep_a), action)()
        assert not refused and refused.reason == "Your role does not allow this."
        assert not getattr(MarketingPolicy(manager_a), action)()


def test_the_marketer_hands_off_a_new_lead_but_not_one_already_with_sales(
    marketer, rep_a, handed_to
):
    assert LeadPolicy(marketer, LeadFactory()).can_handoff()
    with_sales = LeadPolicy(marketer, handed_to(rep_a)).can_handoff()
    assert not with_sales and "already with sales" in with_sales.reason


def test_a_lead_offered_to_a_team_waits_for_acceptance_before_another_handoff(
    marketer, team_a, rep_a
):
    [offer] = services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
    decision = LeadPolicy(marketer, offer.lead).can_handoff()
    assert not decision and decision.reason == "This lead is already waiting for acceptance."
    with pytest.raises(ValidationError, match="already waiting for acceptance"):
        services.lead_handoff(leads=[offer.lead], user=marketer, to_user=rep_a)


def test_only_new_or_recycled_leads_are_qualified(marketer, rep_a, accepted_by):
    assert LeadPolicy(marketer, LeadFactory()).can_qualify()
    refused = LeadPolicy(marketer, accepted_by(rep_a)).can_qualify()
    assert refused.reason == "Only new or recycled leads can be qualified."


def test_the_marketer_recycles_what_sales_let_go_and_nothing_else(
    marketer, rep_a, accepted_by, no_budget, sla
):
    lead = log(accepted_by(rep_a), rep_a, times=3)
    assert LeadPolicy(marketer, lead).can_recycle().reason == (
        "Only disqualified or lost leads can be recycled."
    )
    services.lead_disqualify(lead=lead, user=rep_a, reason=no_budget, note="No budget this year")
    lead.refresh_from_db()
    assert LeadPolicy(marketer, lead).can_recycle()
    assert not LeadPolicy(rep_a, lead).can_recycle()


# --- accepting -------------------------------------------------------------------------


def test_rep_a_accepts_what_was_handed_to_them_and_rep_b_cannot(rep_a, rep_b, handed_to):
    handoff = handed_to(rep_a).handoffs.get()
    assert HandoffPolicy(rep_a, handoff).can_accept()
    refused = HandoffPolicy(rep_b, handoff).can_accept()
    assert refused.reason == "This lead was handed to someone else."
    with pytest.raises(PermissionDenied, match="handed to someone else"):
        services.handoff_accept(handoff=handoff, user=rep_b)


def test_a_team_offer_is_for_the_teams_salespeople_only(marketer, team_a, rep_a, rep_b):
    [offer] = services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
    assert HandoffPolicy(rep_a, offer).can_accept()
    assert HandoffPolicy(rep_b, offer).can_accept().reason == (
        "This lead was offered to another team."
    )
    assert not HandoffPolicy(marketer, offer).can_accept()


# --- working a lead --------------------------------------------------------------------


def test_only_the_owner_logs_attempts_and_only_once_accepted(rep_a, rep_b, handed_to):
    lead = handed_to(rep_a)
    assert LeadPolicy(rep_a, lead).can_log_attempt().reason == (
        "Accept the lead before logging attempts on it."
    )
    services.handoff_accept(handoff=lead.handoffs.get(), user=rep_a)
    lead.refresh_from_db()
    assert LeadPolicy(rep_a, lead).can_log_attempt()
    assert LeadPolicy(rep_b, lead).can_log_attempt().reason == (
        "Only the salesperson who owns this lead can do this."
    )


def test_rep_a_disqualifies_only_after_the_slas_attempts(rep_a, accepted_by, no_budget, sla):
    lead = accepted_by(rep_a)
    locked = LeadPolicy(rep_a, lead).can_disqualify()
    assert not locked and locked.reason.startswith("0 of 3 attempts logged")
    log(lead, rep_a, times=3)
    assert LeadPolicy(rep_a, lead).can_disqualify()


def test_manager_a_may_disqualify_team_as_lead_and_manager_b_may_not(
    rep_a, manager_a, manager_b, marketer, accepted_by, sla
):
    lead = log(accepted_by(rep_a), rep_a, times=3)
    assert LeadPolicy(manager_a, lead).can_disqualify()
    assert LeadPolicy(manager_b, lead).can_disqualify().reason == (
        "Only the lead's salesperson or their manager can disqualify it."
    )
    assert LeadPolicy(marketer, lead).can_disqualify().reason == "Your role does not allow this."


def test_an_opportunity_is_lost_not_disqualified(rep_a, accepted_by, sla):
    lead = log(accepted_by(rep_a), rep_a, times=3)
    services.opportunity_create(lead=lead, user=rep_a, amount=1000)
    lead.refresh_from_db()
    assert LeadPolicy(rep_a, lead).can_disqualify().reason == (
        "A lead that is Opportunity cannot be disqualified."
    )


def test_the_owner_converts_an_accepted_lead_and_the_owner_or_manager_closes_it(
    rep_a, rep_b, manager_a, admin, accepted_by
):
    lead = accepted_by(rep_a)
    assert LeadPolicy(rep_a, lead).can_create_opportunity()
    assert not LeadPolicy(rep_b, lead).can_create_opportunity()
    assert LeadPolicy(rep_a, lead).can_close_opportunity().reason == (
        "This lead has no opportunity to close."
    )
    services.opportunity_create(lead=lead, user=rep_a, amount=1000)
    lead = Lead.objects.get(pk=lead.pk)
    assert LeadPolicy(rep_a, lead).can_close_opportunity()
    assert LeadPolicy(manager_a, lead).can_close_opportunity()
    # An admin is not the deal's manager: closing a deal is a sales decision.
    assert LeadPolicy(admin, lead).can_close_opportunity().reason == (
        "Only the opportunity's owner or their manager can close it."
    )


def test_manager_a_reassigns_within_team_a_only_and_only_open_leads(
    rep_a, rep_b, manager_a, manager_b, team_a, accepted_by
):
    from tests.support.factories import make_salesperson

    rep_c = make_salesperson("rep_c", team_a)
    lead = accepted_by(rep_a)
    assert LeadPolicy(manager_a, lead).can_reassign()
    assert LeadPolicy(manager_a, lead).can_reassign_to(rep_c)
    assert LeadPolicy(manager_a, lead).can_reassign_to(rep_b).reason == (
        "Choose a salesperson of a team you manage."
    )
    assert LeadPolicy(manager_a, lead).can_reassign_to(rep_a).reason == (
        f"{rep_a.get_full_name()} already owns this lead."
    )
    assert LeadPolicy(manager_b, lead).can_reassign().reason == (
        "This lead is not with one of your teams."
    )
    assert not LeadPolicy(rep_a, lead).can_reassign()


def test_the_service_refuses_with_the_policys_reason(rep_a, rep_b, accepted_by, no_budget):
    lead = accepted_by(rep_a)
    reason = LeadPolicy(rep_b, lead).can_disqualify().reason
    with pytest.raises(PermissionDenied, match=re.escape(reason)):
        services.lead_disqualify(lead=lead, user=rep_b, reason=no_budget, note="n")


def test_rep_b_and_manager_b_cannot_see_team_as_lead(rep_a, rep_b, manager_a, manager_b, handed_to):
    lead = handed_to(rep_a)
    assert LeadPolicy(rep_a, lead).can_view() and LeadPolicy(manager_a, lead).can_view()
    assert not LeadPolicy(rep_b, lead).can_view()
    assert not LeadPolicy(manager_b, lead).can_view()


# --- the lead page offers exactly what the policy allows --------------------------------

PERSONAS = ("marketer", "rep_a", "rep_b", "manager_a", "manager_b", "admin")
CAN = {action: f"can_{action}" for action in LEAD_ACTIONS}
BUTTON = re.compile(r"<(?:a|button|div)\b[^>]*\bdata-action=\"(\w+)\"[^>]*>")


def lead_in(status, *, marketer, rep_a, team_a, handed_to, accepted_by, reason):
    """A lead of team A brought to `status` through the services."""
    if status == "new":
        return LeadFactory()
    if status == "mql":
        lead = LeadFactory()
        services.lead_qualify(leads=[lead], user=marketer)
        return lead
    if status == "offered":
        [offer] = services.lead_handoff(leads=[LeadFactory()], user=marketer, team=team_a)
        return offer.lead
    if status == "handed":
        return handed_to(rep_a)
    lead = accepted_by(rep_a)
    if status == "accepted":
        return lead
    log(lead, rep_a, times=3)
    if status == "accepted_worked":
        return lead
    if status in ("disqualified", "recycled"):
        services.lead_disqualify(lead=lead, user=rep_a, reason=reason, note="Went with a rival")
        if status == "recycled":
            services.lead_recycle(lead=lead, user=marketer)
        return lead
    opportunity = services.opportunity_create(lead=lead, user=rep_a, amount=1000)
    if status in ("won", "lost"):
        services.opportunity_close(
            opportunity=opportunity, user=rep_a, won=status == "won", amount=1200
        )
    return lead


STATUSES = (
    "new",
    "mql",
    "offered",
    "handed",
    "accepted",
    "accepted_worked",
    "opportunity",
    "won",
    "lost",
    "disqualified",
    "recycled",
)


@pytest.mark.parametrize("status", STATUSES)
def test_the_lead_page_offers_each_persona_exactly_what_the_policy_allows(
    request, client, status, marketer, rep_a, rep_b, manager_a, manager_b, admin, team_a,
    handed_to, accepted_by, no_budget, sla,
):  # fmt: skip
    lead = lead_in(
        status, marketer=marketer, rep_a=rep_a, team_a=team_a, handed_to=handed_to,
        accepted_by=accepted_by, reason=no_budget,
    )  # fmt: skip
    url = reverse("leads:detail", args=[lead.pk])
    for name in PERSONAS:
        user = request.getfixturevalue(name)
        policy = LeadPolicy(user, Lead.objects.get(pk=lead.pk))
        client.force_login(user)
        response = client.get(url)
        if not policy.can_view():
            assert response.status_code == 404, (status, name)
            continue
        assert response.status_code == 200, (status, name)
        text = response.content.decode()
        tags = {match.group(1): match.group(0) for match in BUTTON.finditer(text)}
        allowed = {action for action in LEAD_ACTIONS if getattr(policy, CAN[action])()}
        enabled = {action for action, tag in tags.items() if " disabled" not in tag}
        assert set(tags) == set(policy.offered), (status, name)
        assert enabled == allowed, (status, name)
        for action in set(tags) - enabled:
            reason = getattr(policy, CAN[action])().reason
            assert reason and f'title="{reason}"' in tags[action], (status, name, action)
