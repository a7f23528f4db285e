"""People and roles: the one place that says who is what.

A role is a Django group. Six exist (created by smarketing's data migration and
re-synced after every migrate): Marketing, Sales, Sales manager and Admin, and the two
heads who sign the agreement between the teams, Head of marketing and Head of sales
(held beside a person's working role). A superuser counts as Admin, but never as a
head: a signature is a named person's. Views check
roles with `role_required`; templates read `roles` from the navigation context
processor. Model permissions per role (used by the Django admin) are declared in
ROLE_PERMISSIONS and re-applied after every migrate, so a model added by a later
migration gets its role permissions without a hand-written data migration.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

MARKETING = "Marketing"
SALES = "Sales"
SALES_MANAGER = "Sales manager"
ADMIN = "Admin"
# The two signers of the agreement (leads.services.agreement).
HEAD_OF_MARKETING = "Head of marketing"
HEAD_OF_SALES = "Head of sales"
ALL_ROLES = (MARKETING, SALES, SALES_MANAGER, ADMIN, HEAD_OF_MARKETING, HEAD_OF_SALES)

# "app_label.model": actions. Admin gets every permission of every model.
ROLE_PERMISSIONS = {
    MARKETING: {
        "messaging.persona": ("add", "change", "delete", "view"),
        "messaging.message": ("add", "change", "delete", "view"),
        "messaging.messageversion": ("add", "change", "view"),
        "messaging.tag": ("add", "change", "delete", "view"),
        "messaging.passage": ("view",),
        "feedback.suggestion": ("change", "view"),
        "feedback.suggestioncomment": ("add", "view"),
        "feedback.objectiontag": ("add", "change", "delete", "view"),
        "feedback.calllog": ("view",),
        "feedback.versionstats": ("view",),
        "leads.team": ("view",),
        "leads.account": ("add", "change", "view"),
        "leads.lead": ("add", "change", "view"),
        "leads.leadlist": ("view",),
        "leads.play": ("add", "change", "delete", "view"),
        "leads.playstep": ("add", "change", "delete", "view"),
        "leads.disqualificationreason": ("view",),
        "leads.slapolicy": ("view",),
        "insight.leadattribution": ("view",),
        "insight.versionattribution": ("view",),
        "insight.versionreach": ("view",),
    },
    SALES: {
        "messaging.persona": ("view",),
        "messaging.message": ("view",),
        "messaging.messageversion": ("view",),
        "leads.team": ("view",),
        "leads.lead": ("view",),
        "leads.play": ("view",),
        "leads.slapolicy": ("view",),
        "feedback.calllog": ("add", "view"),
        "feedback.suggestioncomment": ("add", "view"),
    },
    SALES_MANAGER: {
        "messaging.persona": ("view",),
        "messaging.message": ("view",),
        "messaging.messageversion": ("view",),
        "leads.team": ("view", "change"),
        "leads.teammembership": ("add", "change", "delete", "view"),
        "leads.lead": ("view",),
        "leads.play": ("view",),
        "leads.slapolicy": ("view",),
        "leads.slabreach": ("view",),
    },
    HEAD_OF_MARKETING: {
        "leads.agreementversion": ("view",),
        "leads.growthtarget": ("add", "change", "view"),
    },
    HEAD_OF_SALES: {
        "leads.agreementversion": ("view",),
        "leads.growthtarget": ("add", "change", "view"),
        "leads.team": ("view", "change"),
    },
}


# Where a user object keeps its roles for the request: set by roles_of on first use, or
# already by smarketing.auth.RolesModelBackend, which reads them with the user row.
ROLES_ATTRIBUTE = "_smarketing_roles"


def roles_from(names, *, superuser: bool) -> frozenset[str]:
    """The roles held, from group names (a superuser counts as Admin)."""
    held = set(names) & set(ALL_ROLES)
    if superuser:
        held.add(ADMIN)
    return frozenset(held)


def roles_of(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, ROLES_ATTRIBUTE, None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = roles_from(names, superuser=user.is_superuser)
        setattr(user, ROLES_ATTRIBUTE, cached)
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user holds one of `roles`; Admin may do everything."""
    return holds(roles_of(user), *roles)


def holds(held: frozenset[str], *roles: str) -> bool:
    """has_role, for the roles already read (roles_of): Admin may do everything."""
    return ADMIN in held or not held.isdisjoint(roles)


def role_required(*roles: str):
    """View decorator: 403 unless the logged-in user holds one of `roles` (or Admin)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def sync_role_permissions(apps=None) -> None:
    """Create the role groups and give each exactly the permissions declared above.

    Takes the (historical) app registry so that the data migration can call it.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}
    groups[ADMIN].permissions.set(Permission.objects.all())
    for role, grants in ROLE_PERMISSIONS.items():
        wanted = []
        for model_key, actions in grants.items():
            app_label, model = model_key.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
            )
        groups[role].permissions.set(wanted)


def sync_role_permissions_after_migrate(sender, **kwargs) -> None:
    # Permissions of new models are created by auth's own post_migrate handler,
    # which runs before ours because auth is installed before smarketing.
    sync_role_permissions()
