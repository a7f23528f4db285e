"""The agreement marketing and sales sign, and the growth target both teams work to.

Kept beside leads.models (which re-exports them) because the lead rules read them: the
handoff checks the agreement's qualification, the SLA clocks and the disqualify lock read
its follow-up terms, and breaches and disqualifications name the version they were
judged by. The terms themselves are data (leads.agreement_terms).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .agreement_terms import Terms


class AgreementVersionQuerySet(models.QuerySet):
    def signed(self):
        """Versions both heads signed: the ones that were ever in force."""
        return self.filter(in_force_from__isnull=False)

    def pending(self):
        """A proposed change still waiting for a signature."""
        return self.filter(in_force_from__isnull=True, withdrawn_at__isnull=True)


class AgreementVersion(models.Model):
    """One version of the agreement. Immutable once proposed: a change is a new version.

    It takes effect (`in_force_from`) when the head of marketing and the head of sales
    have both signed it; the version in force is the latest signed one
    (leads.services.agreement.agreement_in_force).
    """

    number = models.PositiveIntegerField(unique=True)
    terms = models.JSONField(default=dict)
    summary = models.CharField(
        max_length=300, blank=True, help_text="What this version changes, and why."
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    marketing_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marketing_signed_at = models.DateTimeField(null=True, blank=True)
    sales_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sales_signed_at = models.DateTimeField(null=True, blank=True)
    in_force_from = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["-in_force_from"], name="agreement_in_force_idx")]
        constraints = [
            # A version is in force only with both signatures.
            models.CheckConstraint(
                condition=Q(in_force_from__isnull=True)
                | (Q(marketing_signed_at__isnull=False) & Q(sales_signed_at__isnull=False)),
                name="agreement_in_force_needs_both_signatures",
            )
        ]

    def __str__(self):
        return f"Agreement v{self.number}"

    @property
    def parsed(self) -> Terms:
        return Terms.from_json(self.terms)

    @property
    def is_pending(self) -> bool:
        return self.in_force_from is None and self.withdrawn_at is None


class GrowthTarget(models.Model):
    """The one target for a period that marketing and sales share: pipeline created and
    revenue won between `starts_on` and `ends_on` (inclusive)."""

    name = models.CharField(max_length=100, help_text="e.g. 'Q3 2026'.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    pipeline_target = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    revenue_target = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["starts_on"], name="one_target_per_period_start"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="target_period_in_order"
            ),
        ]

    def __str__(self):
        return self.name
