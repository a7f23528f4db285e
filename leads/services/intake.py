"""Leads entering the funnel: marketing enters one by hand, or marks leads as
marketing-qualified (MQL), ready for a salesperson."""

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Account, Lead
from ..policies import QUALIFIABLE, MarketingPolicy

# What a person (or a seeder) may say about a new lead. Status, owner, play, the SLA's
# clocks and the disqualification fields are set by the services that own those rules
# (handoff, acceptance, attempts, disqualify), never at entry.
LEAD_CREATE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "phone",
        "title",
        "account",
        "persona",
        "source",
        "lead_list",
        "created_at",
    }
)


@transaction.atomic
def lead_create(*, user, email: str, company: str = "", **fields) -> Lead:
    """Marketing enters one lead by hand; the email is the identity, so no duplicates.

    Takes only LEAD_CREATE_FIELDS: a new lead starts as New with no owner, so a caller
    cannot skip the handoff (and its SLA clock) by passing `status` or `owner`.
    `company` names the lead's account: found by its normalized name, else created."""
    unknown = sorted(set(fields) - LEAD_CREATE_FIELDS)
    if unknown:
        raise TypeError(
            f"lead_create() got unexpected field(s): {', '.join(unknown)}; "
            f"a new lead takes {', '.join(sorted(LEAD_CREATE_FIELDS))}."
        )
    MarketingPolicy(user).can_create().require()
    company = (company or "").strip()
    if company and "account" not in fields:
        fields["account"] = Account.objects.filter(
            normalized_name=Account.normalize(company)
        ).first() or Account.objects.create(name=company)
    lead = Lead(email=email.strip().lower(), **fields)
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_qualify(*, leads, user) -> int:
    """Marketing marks leads as marketing-qualified (MQL): ready for a salesperson.

    Only new or recycled leads can be qualified; returns how many changed."""
    MarketingPolicy(user).can_qualify().require()
    now = timezone.now()
    ids = [lead.pk for lead in leads]
    # The set form of LeadPolicy.can_qualify's status rule: one UPDATE for the batch.
    return Lead.objects.filter(pk__in=ids, status__in=QUALIFIABLE).update(
        status=Lead.Status.MQL, qualified_at=Coalesce(F("qualified_at"), now)
    )
