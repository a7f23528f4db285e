"""Leads becoming deals: the owner converts an accepted lead into an opportunity, and
the owner or their manager closes it won or lost. Won amounts are the revenue that
message attribution (insight) reports, told through the opportunity_changed signal."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from smarketing import roles
from smarketing.audit import audit_record
from smarketing.events import publish

from ..models import Lead, Opportunity
from ..policies import LeadPolicy, role_decision
from .handoff import backlog_release_soon

# Sent inside opportunity_create/opportunity_close (kwargs: opportunity); receivers
# that start background work defer it with transaction.on_commit.
opportunity_changed = Signal()


@transaction.atomic
def opportunity_create(
    *,
    lead: Lead,
    user,
    amount: Decimal,
    currency: str = Opportunity.Currency.EUR,
    name: str = "",
    expected_close=None,
    stage: str = Opportunity.Stage.DISCOVERY,
) -> Opportunity:
    """The owner converts an accepted lead into an opportunity (a deal in the pipeline)."""
    role_decision(user, roles.SALES).require()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("account").get(pk=lead.pk)
    policy = LeadPolicy(user, lead)
    policy.actor_can_create_opportunity().require()
    policy.lead_allows_create_opportunity().require_valid()
    if stage in (Opportunity.Stage.WON, Opportunity.Stage.LOST):
        raise ValidationError({"stage": "Create the opportunity open, then mark it won or lost."})
    opportunity = Opportunity(
        lead=lead,
        account=lead.account,
        owner=user,
        name=name or f"{lead.account or lead.full_name or lead.email}",
        amount=amount,
        currency=currency,
        stage=stage,
        expected_close=expected_close,
    )
    opportunity.full_clean()
    opportunity.save()
    lead.status = Lead.Status.OPPORTUNITY
    lead.save(update_fields=["status"])
    opportunity_changed.send(sender=Opportunity, opportunity=opportunity)
    return opportunity


@transaction.atomic
def opportunity_close(*, opportunity: Opportunity, user, won: bool, amount: Decimal) -> Opportunity:
    """Mark a deal won or lost with its final amount; the lead closes with it. Won
    amounts are the revenue that message attribution reports."""
    role_decision(user, roles.SALES, roles.SALES_MANAGER).require()
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("lead")
        .get(pk=opportunity.pk)
    )
    lead = opportunity.lead
    policy = LeadPolicy(user, lead)
    policy.opportunity = opportunity  # the row locked above, not lead.opportunity
    policy.actor_can_close_opportunity().require()
    policy.opportunity_allows_close().require_valid()
    now = timezone.now()
    before = {"stage": opportunity.stage, "amount": opportunity.amount}
    opportunity.stage = Opportunity.Stage.WON if won else Opportunity.Stage.LOST
    opportunity.amount = amount
    opportunity.closed_at = now
    opportunity.full_clean()
    opportunity.save(update_fields=["stage", "amount", "closed_at"])
    lead.status = Lead.Status.WON if won else Lead.Status.LOST
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.save(update_fields=["status", "closed_at", "next_step_due_at"])
    audit_record(
        actor=user,
        action="opportunity.close",
        target=opportunity,
        before=before,
        after={"stage": opportunity.stage, "amount": opportunity.amount},
    )
    opportunity_changed.send(sender=Opportunity, opportunity=opportunity)
    publish(
        "opportunity.closed",
        {
            "opportunity": opportunity.pk,
            "lead": lead.pk,
            "won": won,
            "amount": f"{opportunity.amount:.2f}",
            "currency": opportunity.currency,
            "closed_at": now,
        },
    )
    backlog_release_soon()  # a closed lead is an open lead less: room for the backlog
    return opportunity
