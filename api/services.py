"""The API's own writes: a lead upserted or corrected by a CRM, and the audit entry that
names the token behind every API write. The other writes are the apps' services."""

from django.core.exceptions import ValidationError
from django.db import transaction

from leads import services as lead_services
from leads.models import Account, Lead
from leads.policies import MarketingPolicy
from messaging.models import Persona
from smarketing.audit import audit_record

from .policies import LeadFieldsPolicy

LEAD_FIELDS = ("first_name", "last_name", "phone", "title")


def api_audit(*, token, user, action: str, target, after: dict | None = None) -> None:
    """One entry per API write, naming the token: "who" is the person, "how" the token."""
    audit_record(
        actor=user,
        action=f"api.{action}",
        target=target,
        after={"token": token.label if token is not None else "session", **(after or {})},
    )


def _account_for(company: str):
    company = (company or "").strip()
    if not company:
        return None
    return Account.objects.filter(
        normalized_name=Account.normalize(company)
    ).first() or Account.objects.create(name=company)


@transaction.atomic
def lead_fields_update(*, lead: Lead, user, token=None, **changes) -> Lead:
    """Correct the fields a CRM owns (LEAD_FIELDS and the company); see LeadFieldsPolicy."""
    unknown = sorted(set(changes) - {*LEAD_FIELDS, "company"})
    if unknown:
        raise TypeError(f"lead_fields_update() got unexpected field(s): {', '.join(unknown)}")
    lead = Lead.objects.select_for_update(of=("self",)).select_related("account").get(pk=lead.pk)
    LeadFieldsPolicy(user, lead).can_update().require()
    before = {name: getattr(lead, name) for name in LEAD_FIELDS}
    before["company"] = lead.account.name if lead.account else ""
    fields = []
    for name in LEAD_FIELDS:
        if name in changes:
            setattr(lead, name, changes[name].strip())
            fields.append(name)
    if "company" in changes:
        lead.account = _account_for(changes["company"])
        fields.append("account")
    lead.full_clean(validate_unique=False)
    if fields:
        lead.save(update_fields=fields)
    api_audit(
        token=token,
        user=user,
        action="lead.update",
        target=lead,
        after={"before": before, **changes},
    )
    return lead


@transaction.atomic
def lead_upsert(
    *, user, token=None, email: str, idempotency_key: str = "", persona=None, **data
) -> tuple[Lead, bool]:
    """A lead from a form or a vendor feed, by email: created as the lead page creates it
    (leads.services.lead_create, marketing only), or, when that email is already a lead,
    its CRM fields corrected. Returns (lead, created)."""
    MarketingPolicy(user).can_create().require()
    email = email.strip().lower()
    existing = Lead.objects.filter(email=email).first()
    if existing is not None:
        changes = {k: v for k, v in data.items() if k in (*LEAD_FIELDS, "company")}
        return lead_fields_update(lead=existing, user=user, token=token, **changes), False
    if persona is not None:
        persona = Persona.objects.filter(pk=persona).first()
        if persona is None:
            raise ValidationError({"persona": "No such persona."})
    fields = {k: v for k, v in data.items() if k in (*LEAD_FIELDS, "source")}
    lead = lead_services.lead_create(
        user=user,
        email=email,
        company=data.get("company", ""),
        idempotency_key=idempotency_key,
        persona=persona,
        **fields,
    )
    api_audit(token=token, user=user, action="lead.create", target=lead, after={"email": email})
    return lead, True
