from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads and sales teams"

    def ready(self):
        from . import admin_users  # noqa: F401 (replaces the User admin)
