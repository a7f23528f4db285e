from django.contrib import admin

from .models import Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "member_count", "created_at"]
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
