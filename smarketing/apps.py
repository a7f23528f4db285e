from django.apps import AppConfig


class SmarketingConfig(AppConfig):
    """The project's own app: roles, audit trail, outbox, home page, health, demo data."""

    name = "smarketing"
    verbose_name = "Smarketing"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
            pre_save,
        )

        from . import people, signals
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
        # Every write that changes a person's cached snapshot (smarketing.people).
        for signal in (post_save, post_delete):
            signal.connect(people.user_saved_or_deleted, sender=user, dispatch_uid="person-user")
        m2m_changed.connect(
            people.user_groups_changed, sender=user.groups.through, dispatch_uid="person-groups"
        )
        for signal in (post_save, pre_delete):
            signal.connect(people.group_saved_or_deleting, sender=Group, dispatch_uid="person-role")
        from django.contrib.auth.signals import user_logged_in

        from .preferences import remember_at_login

        user_logged_in.connect(remember_at_login, dispatch_uid="time-zone-at-login")
        from django.db.backends.signals import connection_created

        from .immutability import define_sqlite_function

        connection_created.connect(define_sqlite_function, dispatch_uid="purge-function")
