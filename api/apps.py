from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API (/api/v1/) for the CRM, the phone system and data vendors, personal
    API tokens, and outgoing webhooks. It sits on top of the layers and calls the same
    services, policies and selectors as the pages, so the same rules hold."""

    name = "api"
    verbose_name = "API and webhooks"

    def ready(self):
        from smarketing.events import domain_event

        from . import webhooks

        domain_event.connect(webhooks.deliveries_create, dispatch_uid="webhook-deliveries")
