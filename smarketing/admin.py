"""User administration: roles (groups) and team seats visible where an admin looks."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from leads.models import TeamMembership

from .models import AuditEntry, OutboxMessage

admin.site.site_header = "Smarketing administration"
admin.site.site_title = "Smarketing admin"
admin.site.index_title = "Run the portal"


class TeamMembershipInline(admin.StackedInline):
    model = TeamMembership
    fk_name = "user"
    can_delete = True
    extra = 0
    max_num = 1
    verbose_name = "Sales team seat"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role_list",
        "team",
        "is_active",
        "is_staff",
    ]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser", "team_membership__team"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("team_membership__team")
            .prefetch_related("groups")
        )

    @admin.display(description="Roles")
    def role_list(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    @admin.display(description="Team", ordering="team_membership__team__name")
    def team(self, obj):
        membership = getattr(obj, "team_membership", None)
        return membership.team if membership else "—"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is for reading; the database refuses changes anyway."""

    list_display = ["created_at", "actor_label", "action", "target_label", "target_type"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "action"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
