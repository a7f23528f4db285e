"""Read-only admin for the aggregates: they are rebuilt from call logs and opportunities,
attempts and SLA breaches (insight.services), so a hand edit would be wrong and then
silently overwritten."""

from django.contrib import admin

from smarketing.admin import ReadOnlyAdmin

from .models import HandoffFact, LeadAttribution, VersionAttribution, VersionReach


@admin.register(LeadAttribution)
class LeadAttributionAdmin(ReadOnlyAdmin):
    list_display = ["lead", "version", "calls", "is_first", "is_last", "linear_weight",
                    "currency", "amount", "is_won", "updated_at"]  # fmt: skip
    list_filter = ["is_won", "is_closed", "currency"]
    list_select_related = ["lead", "version__message"]
    raw_id_fields = ["lead", "version"]
    search_fields = ["lead__email", "version__message__title"]


@admin.register(VersionAttribution)
class VersionAttributionAdmin(ReadOnlyAdmin):
    list_display = ["version", "model", "currency", "opportunities", "wins", "closed",
                    "pipeline", "won_revenue", "updated_at"]  # fmt: skip
    list_filter = ["model", "currency"]
    list_select_related = ["version__message"]
    search_fields = ["version__message__title"]


@admin.register(VersionReach)
class VersionReachAdmin(ReadOnlyAdmin):
    list_display = ["version", "leads", "opportunities", "deals_closed", "deals_won",
                    "updated_at"]  # fmt: skip
    list_select_related = ["version__message"]
    search_fields = ["version__message__title"]


@admin.register(HandoffFact)
class HandoffFactAdmin(ReadOnlyAdmin):
    list_display = ["lead", "handed_off_at", "first_touch", "breached", "updated_at"]
    list_filter = ["breached"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead"]
    search_fields = ["lead__email"]
