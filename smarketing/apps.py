from django.apps import AppConfig


class SmarketingConfig(AppConfig):
    """The project's own app: roles, audit trail, outbox, home page, health, demo data."""

    name = "smarketing"
    verbose_name = "Smarketing"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_save

        from . import signals
        from .roles import sync_role_permissions_after_migrate

        post_migrate.connect(sync_role_permissions_after_migrate, sender=self)
        user = get_user_model()
        m2m_changed.connect(
            signals.user_groups_changing, sender=user.groups.through, dispatch_uid="audit-groups"
        )
        pre_save.connect(
            signals.user_flags_before_save, sender=user, dispatch_uid="audit-flags-pre"
        )
        post_save.connect(signals.user_flags_after_save, sender=user, dispatch_uid="audit-flags")
        from django.contrib.auth.signals import user_logged_in

        from .preferences import remember_at_login

        user_logged_in.connect(remember_at_login, dispatch_uid="time-zone-at-login")
        from django.db.backends.signals import connection_created

        from .immutability import define_sqlite_function

        connection_created.connect(define_sqlite_function, dispatch_uid="purge-function")
