from django.apps import AppConfig


class SmarketingConfig(AppConfig):
    """The project's own app: roles, home page, health check and demo data."""

    name = "smarketing"
    verbose_name = "Smarketing"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_permissions_after_migrate

        post_migrate.connect(sync_role_permissions_after_migrate, sender=self)
