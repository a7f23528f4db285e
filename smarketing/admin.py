"""The admin of the core models (audit trail, outbox) and the admin site's titles.

The User admin (roles and team seats) lives in leads/admin_users.py: it shows a leads model."""

from django.contrib import admin

from .models import AuditEntry, OutboxMessage

admin.site.site_header = "Smarketing administration"
admin.site.site_title = "Smarketing admin"
admin.site.index_title = "Run the portal"


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows made only by a service (or rebuilt from others): an admin edit would
    skip the service's rule, so the admin only reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the trail is for reading; the database refuses changes anyway."""

    list_display = ["created_at", "actor_label", "action", "target_label", "target_type"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "action"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
