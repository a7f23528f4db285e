from django import forms
from django.contrib import admin

from .models import ApiToken, WebhookDelivery, WebhookSubscription


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins see and revoke tokens; the secret itself is never stored, so never shown."""

    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "prefix", "digest", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # made on the tokens page, where the secret is shown once

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        from .tokens import token_revoke

        for token in queryset:
            token_revoke(token=token, user=request.user)


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ["event", "status", "attempts", "response_code", "last_error", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]
    max_num = 0


class SubscriptionAdminForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", label="URL")

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "description", "is_active", "allow_private_network"]

    def clean(self):
        from .webhooks import url_check

        data = super().clean()
        if data.get("url"):
            url_check(data["url"], allow_private=bool(data.get("allow_private_network")))
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["url", "events", "is_active", "allow_private_network", "created_by"]
    list_filter = ["is_active", "allow_private_network"]
    readonly_fields = ["secret", "created_by", "created_at"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change):
        from .webhooks import _secret

        if not obj.secret:
            obj.secret = _secret()
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "subscription", "status", "attempts", "response_code", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        from .webhooks import delivery_resend

        for delivery in queryset:
            delivery_resend(delivery=delivery, user=request.user)
