"""Audit role changes however they are made (admin, shell, data migration), from the
user's side (`user.groups`) or the group's (`group.user_set`)."""

from django.contrib.auth import get_user_model

from .audit import audit_record, current_actor

FLAGS = ("is_active", "is_staff", "is_superuser")


def _group_names(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def user_groups_changing(sender, instance, action, reverse, pk_set=None, **kwargs):
    if reverse:
        _group_users_changing(instance, action, pk_set)
        return
    if not isinstance(instance, get_user_model()):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._audit_groups_before = _group_names(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_audit_groups_before", None)
        after = _group_names(instance)
        if before != after:
            audit_record(
                actor=current_actor.get(),
                action="user.roles",
                target=instance,
                before={"roles": before},
                after={"roles": after},
            )


def user_flags_before_save(sender, instance, **kwargs):
    if instance.pk:
        instance._audit_flags_before = sender.objects.filter(pk=instance.pk).values(*FLAGS).first()


def user_flags_after_save(sender, instance, created, **kwargs):
    before = getattr(instance, "_audit_flags_before", None)
    after = {flag: getattr(instance, flag) for flag in FLAGS}
    if created and (instance.is_staff or instance.is_superuser):
        audit_record(actor=current_actor.get(), action="user.roles", target=instance, after=after)
    elif before is not None and before != after:
        audit_record(
            actor=current_actor.get(),
            action="user.roles",
            target=instance,
            before=before,
            after=after,
        )


def _group_users_changing(group, action, pk_set):
    """The same entries for a change made from the group's side (`group.user_set.add`,
    the group admin): one per user whose roles changed."""
    user_model = get_user_model()
    if action in ("pre_add", "pre_remove", "pre_clear"):
        ids = pk_set if action != "pre_clear" else group.user_set.values_list("pk", flat=True)
        group._audit_users_before = {
            user.pk: _group_names(user) for user in user_model.objects.filter(pk__in=list(ids))
        }
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(group, "_audit_users_before", {})
        for user in user_model.objects.filter(pk__in=list(before)):
            after = _group_names(user)
            if before[user.pk] != after:
                audit_record(
                    actor=current_actor.get(),
                    action="user.roles",
                    target=user,
                    before={"roles": before[user.pk]},
                    after={"roles": after},
                )
