"""The admin for the leads models: reference data (teams, plays, SLA, reasons) is
edited here; what the services own is shown read-only.

A lead's status and owner, a handoff's status and an opportunity's stage and amount
change only through leads.services (handoff, acceptance, disqualify, reassign, close):
those check who may, keep the SLA clocks and notifications right and write the audit
trail. An admin editing them here would skip all of it, so the admin is not a second
write path for them.
"""

from django.contrib import admin

from smarketing.admin import ReadOnlyAdmin

from .models import (
    Account,
    AgreementVersion,
    Attempt,
    DisqualificationReason,
    GrowthTarget,
    Handoff,
    Lead,
    LeadList,
    Opportunity,
    Play,
    PlayStep,
    SlaBreach,
    SlaPolicy,
    Team,
    TeamMembership,
)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "manager",
        "member_count",
        "open_leads_per_rep",
        "new_leads_per_day",
        "created_at",
    ]
    search_fields = ["name", "manager__username", "manager__first_name", "manager__last_name"]
    autocomplete_fields = ["manager"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("manager").with_member_count()

    @admin.display(ordering="member_count", description="Members")
    def member_count(self, obj):
        return obj.member_count


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "open_lead_cap", "joined_at"]
    list_filter = ["team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]


class PlayStepInline(admin.TabularInline):
    model = PlayStep
    extra = 1
    autocomplete_fields = ["message"]


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):
    list_display = ["name", "persona", "stage", "is_active", "created_at"]
    list_filter = ["is_active", "stage", "persona"]
    search_fields = ["name", "description"]
    list_select_related = ["persona"]
    inlines = [PlayStepInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    """Read-only: the SLA rows before the agreement (version 1 was made from them).
    The SLA in force is changed on the agreement page, signed by both heads."""

    list_display = ["__str__", "source", "hours_to_first_touch", "min_attempts_before_disqualify"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    """Read-only: versions are proposed and signed on the agreement page, where the two
    heads see the redline; an admin edit would skip the signatures."""

    list_display = ["number", "summary", "in_force_from", "marketing_signed_by", "sales_signed_by"]
    list_select_related = ["marketing_signed_by", "sales_signed_by"]


@admin.register(GrowthTarget)
class GrowthTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "pipeline_target", "revenue_target", "currency"]


@admin.register(DisqualificationReason)
class DisqualificationReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "industry", "size", "created_at"]
    search_fields = ["name", "domain"]
    list_filter = ["size", "industry"]


class AttemptInline(admin.TabularInline):
    """Attempts as the lead's history: logged through attempt_log only, which counts
    them and moves the SLA's first touch and the play's next step."""

    model = Attempt
    extra = 0
    can_delete = False
    fields = ["occurred_at", "salesperson", "channel", "outcome", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "account", "status", "source", "owner", "created_at"]
    list_filter = ["status", "source", "persona"]
    search_fields = ["email", "first_name", "last_name", "account__name"]
    autocomplete_fields = ["account", "lead_list", "play"]
    list_select_related = ["account", "owner"]
    # The services' fields (see the module docstring): a new lead starts New, unowned.
    readonly_fields = [
        "status",
        "owner",
        "attempt_count",
        "first_touch_due_at",
        "next_step_due_at",
    ]
    inlines = [AttemptInline]


@admin.register(LeadList)
class LeadListAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "status", "total_rows", "imported_count", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "source"]
    readonly_fields = [
        "processed_rows",
        "imported_count",
        "duplicate_count",
        "rejected_count",
        "started_at",
        "finished_at",
    ]


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["lead", "from_user", "to_user", "team", "play", "status", "handed_off_at"]
    list_filter = ["status", "team"]
    list_select_related = ["lead", "from_user", "to_user", "team", "play"]
    autocomplete_fields = ["lead", "from_user", "to_user"]
    # Accepting is handoff_accept's conditional UPDATE (who won a race), not a field.
    readonly_fields = ["status", "accepted_at", "accepted_by"]

    def has_add_permission(self, request):
        return False  # handing off is lead_handoff (the SLA clock, the notification)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "amount", "currency", "stage", "expected_close", "closed_at"]
    list_filter = ["stage", "currency"]
    search_fields = ["name", "lead__email"]
    autocomplete_fields = ["lead", "account", "owner"]
    list_select_related = ["owner"]
    # Closing is opportunity_close: the lead closes with it and attribution is told.
    readonly_fields = ["stage", "amount", "closed_at"]

    def has_add_permission(self, request):
        return False  # converting a lead is opportunity_create


@admin.register(SlaBreach)
class SlaBreachAdmin(admin.ModelAdmin):
    list_display = ["lead", "salesperson", "team", "due_at", "notified_at", "resolved_at"]
    list_filter = ["team"]
    list_select_related = ["lead", "salesperson", "team"]
    raw_id_fields = ["lead"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Every touch, for the admin who checks a disputed SLA breach."""

    list_display = ["lead", "salesperson", "channel", "outcome", "occurred_at"]
    list_filter = ["channel", "outcome"]
    search_fields = ["lead__email", "lead__last_name", "salesperson__username", "note"]
    list_select_related = ["lead", "salesperson"]
    raw_id_fields = ["lead", "salesperson"]
    date_hierarchy = "occurred_at"
