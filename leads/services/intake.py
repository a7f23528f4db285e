"""Leads entering the funnel: marketing enters one by hand, or marks leads as
marketing-qualified (MQL), ready for a salesperson."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from smarketing.idempotency import once

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


EMAIL_TAKEN = "A lead with this email already exists."


def _email_taken(email: str) -> bool:
    return Lead.objects.filter(email=email).exists()


@transaction.atomic
def lead_create(
    *, user, email: str, company: str = "", idempotency_key: str = "", **fields
) -> Lead:
    """Marketing enters one lead by hand; the email is the identity, so no duplicates.

    Takes only LEAD_CREATE_FIELDS: a new lead starts as New with no owner, so a caller
    cannot skip the handoff (and its SLA clock) by passing `status` or `owner`.
    `company` names the lead's account: found by its normalized name, else created.
    `idempotency_key` (the form's per-render token) makes a double submit one lead: the
    second post gets the first lead back instead of "this email already exists"."""
    unknown = sorted(set(fields) - LEAD_CREATE_FIELDS)
    if unknown:
        raise TypeError(
            f"lead_create() got unexpected field(s): {', '.join(unknown)}; "
            f"a new lead takes {', '.join(sorted(LEAD_CREATE_FIELDS))}."
        )
    MarketingPolicy(user).can_create().require()
    lead, _created = once(
        scope="leads.lead",
        key=idempotency_key,
        user=user,
        create=lambda: _lead_insert(email=email, company=company, fields=fields),
        load=lambda pk: Lead.objects.get(pk=pk),
    )
    return lead


def _lead_insert(*, email: str, company: str, fields: dict) -> Lead:
    email = email.strip().lower()
    company = (company or "").strip()
    if _email_taken(email):
        raise ValidationError({"email": EMAIL_TAKEN})
    if company and "account" not in fields:
        fields["account"] = Account.objects.filter(
            normalized_name=Account.normalize(company)
        ).first() or Account.objects.create(name=company)
    lead = Lead(email=email, **fields)
    lead.full_clean(validate_unique=False)
    try:
        # A savepoint: two posts with one email may both pass the check above; the
        # unique index lets one in, and the other is told why rather than given a 500.
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        raise ValidationError({"email": EMAIL_TAKEN}) from None
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
