from django.contrib import admin

from .models import WeeklySummaryDelivery


@admin.register(WeeklySummaryDelivery)
class WeeklySummaryDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the rows are the record of what was sent."""

    list_display = ("recipient", "week", "sent_at")
    list_filter = ("week",)
    search_fields = ("recipient__username", "recipient__email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
