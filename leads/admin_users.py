"""User administration: roles (groups) and team seats visible where an admin looks.

Imported from LeadsConfig.ready(), after the admin's autodiscovery has registered
Django's own User admin, which this replaces.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from .models import TeamMembership


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
