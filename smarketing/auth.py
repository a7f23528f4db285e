"""The per-request reads of authentication, made cheap (issue 19).

Every request loads the logged-in person (the session's user id) and, on every page, the
person's roles (the navigation, the policies). Django reads them with two queries, the
user row and then the groups. `RolesModelBackend.get_user` takes them from the snapshot
the session's cache read found (smarketing.people: no query, and still never stale),
else reads both in ONE query: the user row with a bit set of its roles beside it, and
leaves the answer where `smarketing.roles.roles_of` looks first.
"""

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.models import Group
from django.utils.functional import SimpleLazyObject

from . import people
from .roles import ALL_ROLES, ROLES_ATTRIBUTE, roles_from

# One bit per role, summed over the person's groups by the database.
_BITS = {name: 1 << i for i, name in enumerate(ALL_ROLES)}


def _user_with_roles_sql() -> str:
    """The user row and a bit set of its roles, in one statement. Written as SQL once
    (not built by the ORM per request: compiling the annotated queryset cost more than
    running it). Plain SQL every supported database runs; table names from the models."""
    User = get_user_model()
    links = User.groups.through._meta
    user_column = links.get_field("user").column
    group_column = links.get_field("group").column
    cases = " ".join(f"WHEN %s THEN {bit}" for bit in _BITS.values())
    # Names come from the models; the values are parameters.
    return " ".join([
        'SELECT u.*, (SELECT COALESCE(SUM(CASE g."name"', cases, "ELSE 0 END), 0)",
        f'FROM "{links.db_table}" ug JOIN "{Group._meta.db_table}" g',
        f'ON g."id" = ug."{group_column}" WHERE ug."{user_column}" = u."{User._meta.pk.column}")',
        f'AS "_smarketing_role_bits" FROM "{User._meta.db_table}" u',
        f'WHERE u."{User._meta.pk.column}" = %s',
    ])  # fmt: skip


def roles_from_bits(bits: int, *, superuser: bool) -> frozenset[str]:
    held = {name for name, bit in _BITS.items() if bits & bit}
    return roles_from(held, superuser=superuser)


class RolesModelBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions), loading the roles with the user."""

    _sql = None

    def get_user(self, user_id):
        prefetch = people.current_prefetch(user_id)
        if prefetch is not None:
            user = prefetch.user()
            if user is not None:
                return user if self.user_can_authenticate(user) else None
            prefetch.read_begins()
        User = get_user_model()
        if RolesModelBackend._sql is None:
            RolesModelBackend._sql = _user_with_roles_sql()
        try:
            params = [*_BITS, User._meta.pk.to_python(user_id)]
        except Exception:  # noqa: BLE001 - a malformed id in a session: nobody
            return None
        user = next(iter(User._default_manager.raw(RolesModelBackend._sql, params)), None)
        if user is None:
            return None
        bits = int(user._smarketing_role_bits or 0)
        setattr(user, ROLES_ATTRIBUTE, roles_from_bits(bits, superuser=user.is_superuser))
        if prefetch is not None:
            prefetch.store(user, bits)
        return user if self.user_can_authenticate(user) else None


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, handing the backend what the session's cache read found for its person
    (smarketing.people.Prefetch), so that a request served from the cache reads no user
    row. Django's own get_user still checks the backend and the session's password hash."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))


def _user_of(request):
    if not hasattr(request, "_cached_user"):
        with people.prefetched(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user
