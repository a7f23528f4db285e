from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from messaging.merge import MergeConflict
from smarketing.web import error_messages

from . import services
from .models import (
    CallLog,
    DigestDelivery,
    ObjectionTag,
    PassageDrift,
    PassageEdit,
    Suggestion,
    SuggestionComment,
    VersionStats,
)


@admin.register(ObjectionTag)
class ObjectionTagAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "proposed_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_editable = ["status"]
    list_select_related = ["proposed_by"]


class PassageEditInline(admin.TabularInline):
    model = PassageEdit
    fields = [
        "kind", "passage_key", "after_key", "span_start", "span_end", "original_text",
        "edited_text", "suggestion", "variant",
    ]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = [
        "lead",
        "salesperson",
        "version",
        "reaction",
        "outcome",
        "occurred_at",
        "processed_at",
    ]
    list_filter = ["reaction", "outcome", "channel", "has_edits", "version__message"]
    search_fields = ["lead__email", "lead__last_name", "salesperson__username", "quote"]
    list_select_related = ["lead", "salesperson", "version__message"]
    raw_id_fields = ["lead", "version", "attempt", "salesperson"]
    date_hierarchy = "occurred_at"
    inlines = [PassageEditInline]


@admin.register(VersionStats)
class VersionStatsAdmin(admin.ModelAdmin):
    list_display = ["version", "uses", "edited_uses", "reaction_4", "reaction_5", "last_used_at"]
    list_select_related = ["version__message"]
    search_fields = ["version__message__title"]
    readonly_fields = [f.name for f in VersionStats._meta.fields]


class SuggestionCommentInline(admin.TabularInline):
    model = SuggestionComment
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "message",
        "status",
        "call_count",
        "rep_count",
        "score",
        "updated_at",
    ]
    list_filter = ["status", "kind", "message"]
    search_fields = ["message__title", "proposed_text", "original_text"]
    list_select_related = ["message", "version"]
    raw_id_fields = ["message", "version"]
    # The decision and the evidence are written by the services only: accepting edits
    # the draft, records provenance, audits and tells the salespeople; the engine keeps
    # the evidence exact. Reject from the suggestion's page, where the reason is asked.
    readonly_fields = [
        "status", "decided_by", "decided_at", "reject_reason", "accepted_into", "shipped_at",
        "accepted_variant", "accepted_text", "kind", "passage_key", "after_key", "span_start",
        "span_end", "sentence", "base_text", "variant_list", "call_count", "rep_count",
        "with_positive", "without_positive", "with_wins", "without_wins", "without_count",
        "score", "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [SuggestionCommentInline]

    @admin.display(description="Variants (by evidence)")
    def variant_list(self, obj):
        """The engine's variants, read only: wording, salespeople, calls."""
        rows = [
            f"{v.rep_count} reps, {v.call_count} calls: “{v.wording.strip()}”"
            for v in obj.variants.all()
        ]
        return "\n".join(rows) or "—"

    actions = ["accept_suggestions"]

    @admin.action(description="Accept the selected suggestions into their drafts")
    def accept_suggestions(self, request, queryset):
        for suggestion in queryset:
            try:
                draft = services.suggestion_accept(suggestion=suggestion, user=request.user)
            except MergeConflict as exc:
                self.message_user(request, f"{suggestion}: {exc}", messages.ERROR)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{suggestion}: {' '.join(error_messages(exc))}", messages.ERROR
                )
            else:
                self.message_user(
                    request, f"{suggestion}: accepted into v{draft.number}.", messages.SUCCESS
                )


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["recipient", "day", "sent_at"]
    list_filter = ["day"]


@admin.register(PassageDrift)
class PassageDriftAdmin(admin.ModelAdmin):
    """Read-only: drift_check keeps the figures, drift_review records the review."""

    list_display = ["version", "passage_key", "calls", "share", "flagged_at", "reviewed_at"]
    list_filter = ["reviewed_at"]
    search_fields = ["version__message__title", "passage_key"]
    list_select_related = ["version__message", "reviewed_by"]
    readonly_fields = [f.name for f in PassageDrift._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
