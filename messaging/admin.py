from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from smarketing.admin import ReadOnlyAdmin
from smarketing.web import error_messages

from . import services
from .models import (
    Experiment,
    Message,
    MessageVersion,
    Passage,
    Persona,
    ReviewStep,
    ReviewWorkflow,
    Tag,
)


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name", "description"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class MessageVersionInline(admin.TabularInline):
    model = MessageVersion
    fields = ["number", "status", "change_summary", "author", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Versions are written through the editor so that the publishing rules hold.
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "stage", "owner", "live_version", "updated_at"]
    list_filter = ["kind", "stage", "personas", "tags", "owner"]
    search_fields = ["title", "live_version__body"]
    autocomplete_fields = ["owner", "personas", "tags"]
    list_select_related = ["owner", "live_version"]
    readonly_fields = ["live_version", "created_at", "updated_at"]
    date_hierarchy = "updated_at"
    inlines = [MessageVersionInline]


class PassageInline(admin.TabularInline):
    model = Passage
    fields = ["position", "key", "kind", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MessageVersion)
class MessageVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "origin", "author", "published_at", "retired_at"]
    list_filter = ["status", "origin", "message__kind"]
    search_fields = ["message__title", "body", "change_summary"]
    list_select_related = ["message", "author"]
    readonly_fields = [
        "message", "number", "body", "body_html", "status", "origin", "based_on", "author",
        "published_by", "revision", "created_at", "updated_at", "published_at", "retired_at",
    ]  # fmt: skip
    fields = ["change_summary", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # Admin reads versions; the text and the history are written by the editor.
        return ["change_summary", *self.readonly_fields]

    inlines = [PassageInline]
    # Status changes only through the services, which keep one live version per
    # message, retire the previous one, audit and tell feedback (version_published).
    actions = ["publish_drafts", "retire_live_versions"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Publish the selected drafts (with their change summary)")
    def publish_drafts(self, request, queryset):
        for version in queryset.select_related("message"):
            self._apply(
                request,
                version,
                lambda v: services.version_publish(
                    version=v, user=request.user, change_summary=v.change_summary
                ),
                "is live",
            )

    @admin.action(description="Retire the selected live versions")
    def retire_live_versions(self, request, queryset):
        for version in queryset.select_related("message"):
            self._apply(
                request,
                version,
                lambda v: services.version_retire(version=v, user=request.user),
                "is retired",
            )

    def _apply(self, request, version, action, done: str) -> None:
        try:
            action(version)
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(
                request, f"{version}: {' '.join(error_messages(exc))}", messages.ERROR
            )
        else:
            self.message_user(request, f"{version} {done}.", messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        # Published versions are kept forever; drafts are discarded from the editor.
        return False


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    fields = ["position", "name", "reviewer_groups", "reviewers"]
    filter_horizontal = ["reviewer_groups", "reviewers"]
    extra = 1


@admin.register(ReviewWorkflow)
class ReviewWorkflowAdmin(admin.ModelAdmin):
    """Admins set the review each kind of message goes through before it is published
    (messaging.review); a kind without a workflow is published by marketing alone."""

    list_display = ["name", "kind"]
    inlines = [ReviewStepInline]


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdmin):
    """Read-only: experiments start and end on the message page, where the services
    keep "one live version, or one running experiment"."""

    list_display = ["__str__", "status", "starts_at", "ends_on", "planned_calls_per_arm", "winner"]
    list_filter = ["status"]
    list_select_related = ["message", "control", "challenger", "winner"]
