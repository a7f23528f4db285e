"""The agreement marketing and sales sign: proposing a change, signing it, the rules in force.

How a change takes effect:
1. Either head (or an admin) proposes a new version with the full terms; it is a draft
   with a number one above the last. One change waits at a time: a second proposal while
   one waits would leave the signers unsure which redline they are signing.
2. The head of marketing and the head of sales each sign it, having seen its redline
   against the version in force. Two different people: one person holding both roles
   signs one side only.
3. The second signature puts it in force (`in_force_from`), in the same transaction that
   records the signature. Until then it changes nothing: the rules in force are read from
   the latest signed version, always.

Every rule the agreement governs reads `terms_in_force()`: the handoff's qualification
check and first-touch deadline, the disqualify lock (minimum attempts and channels, the
reasons allowed), and the breach scan, which records on each breach the version that set
its deadline. With no signed version at all (a fresh database), the built-in Terms()
apply: 24 h, 3 attempts, any reason, nothing required.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from smarketing.audit import audit_record

from ..agreement_terms import TermChange, Terms, redline
from ..models import AgreementVersion, GrowthTarget
from ..policies import AgreementPolicy


def agreement_in_force() -> AgreementVersion | None:
    """The latest version both heads signed, or None before the first one."""
    return AgreementVersion.objects.signed().order_by("-in_force_from", "-number").first()


def terms_in_force(version: AgreementVersion | None = ...) -> tuple[AgreementVersion | None, Terms]:
    """(version, its terms): what every agreement-governed rule reads."""
    if version is ...:
        version = agreement_in_force()
    return version, (version.parsed if version is not None else Terms())


def agreement_redline(version: AgreementVersion) -> list[TermChange]:
    """What `version` changes against the version in force when it is read."""
    current = agreement_in_force()
    if current is not None and current.pk == version.pk:
        previous = (
            AgreementVersion.objects.signed()
            .filter(number__lt=version.number)
            .order_by("-number")
            .first()
        )
        return redline(previous.parsed if previous else None, version.parsed)
    return redline(current.parsed if current else None, version.parsed)


@transaction.atomic
def agreement_propose(*, user, terms: Terms, summary: str = "") -> AgreementVersion:
    """A new draft version with `terms`; it has no effect until both heads sign it."""
    AgreementPolicy(user).can_propose().require()
    errors = terms.validate()
    if errors:
        raise ValidationError(errors)
    # Numbering and the one-pending rule are decided under a lock on the newest row.
    list(AgreementVersion.objects.select_for_update().order_by("-number")[:1])
    if AgreementVersion.objects.pending().exists():
        raise ValidationError(
            "A change is already waiting for signatures: sign or withdraw it first."
        )
    _, current = terms_in_force()
    if current == terms and AgreementVersion.objects.signed().exists():
        raise ValidationError("These terms are the ones in force: change at least one.")
    number = (AgreementVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = AgreementVersion(
        number=number, terms=terms.to_json(), summary=(summary or "").strip(), proposed_by=user
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=user, action="agreement.propose", target=version, after={"summary": version.summary}
    )
    return version


@transaction.atomic
def agreement_sign(*, version: AgreementVersion, user) -> AgreementVersion:
    """The head of marketing or the head of sales signs a proposed version. The second
    signature puts it in force now."""
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    policy = AgreementPolicy(user, version)
    side = policy.side_to_sign()
    policy.can_sign().require()
    now = timezone.now()
    if side == "marketing":
        version.marketing_signed_by, version.marketing_signed_at = user, now
    else:
        version.sales_signed_by, version.sales_signed_at = user, now
    fields = [f"{side}_signed_by", f"{side}_signed_at"]
    if version.marketing_signed_at and version.sales_signed_at:
        version.in_force_from = now
        fields.append("in_force_from")
    version.save(update_fields=fields)
    audit_record(
        actor=user,
        action="agreement.sign",
        target=version,
        after={"side": side, "in_force": version.in_force_from is not None},
    )
    return version


@transaction.atomic
def agreement_withdraw(*, version: AgreementVersion, user) -> AgreementVersion:
    """Drop a proposed change that was not signed by both; the version stays on record."""
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    AgreementPolicy(user, version).can_withdraw().require()
    version.withdrawn_at = timezone.now()
    version.save(update_fields=["withdrawn_at"])
    audit_record(actor=user, action="agreement.withdraw", target=version)
    return version


@transaction.atomic
def growth_target_set(*, user, target: GrowthTarget) -> GrowthTarget:
    """The heads set the period's target both teams work to (one per period start:
    setting it again for the same start changes it)."""
    AgreementPolicy(user).can_set_target().require()
    existing = GrowthTarget.objects.filter(starts_on=target.starts_on).first()
    if existing is not None:
        target.pk = existing.pk
        target.created_at = existing.created_at
    target.created_by = user
    target.full_clean(validate_unique=False)
    target.save()
    audit_record(
        actor=user,
        action="growth_target.set",
        target=target,
        after={"pipeline": str(target.pipeline_target), "revenue": str(target.revenue_target)},
    )
    return target
