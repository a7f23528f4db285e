"""The four roles exist with their permissions, and each role sees only its own home."""

import pytest
from django.contrib.auth.models import Group

from smarketing import roles


@pytest.mark.django_db
def test_the_data_migration_creates_the_four_roles_with_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= set(roles.ALL_ROLES)
    codenames = {
        name: {p.codename for p in group.permissions.all()} for name, group in groups.items()
    }
    assert "change_team" in codenames[roles.SALES_MANAGER]
    assert "change_team" not in codenames[roles.SALES]
    assert "delete_team" in codenames[roles.ADMIN]
    assert "view_team" in codenames[roles.MARKETING]


def test_role_sync_is_idempotent_and_restores_removed_permissions(db):
    sales = Group.objects.get(name=roles.SALES)
    before = set(sales.permissions.values_list("codename", flat=True))
    sales.permissions.clear()
    roles.sync_role_permissions()
    roles.sync_role_permissions()
    assert set(sales.permissions.values_list("codename", flat=True)) == before


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("marketer", ["marketing"], ["sales", "manager", "admin"]),
        ("rep_a", ["sales"], ["marketing", "manager", "admin"]),
        ("manager_a", ["manager"], ["marketing", "sales", "admin"]),
        ("admin", ["admin"], []),
    ],
)
def test_each_role_sees_only_its_own_home(request, client_for, persona, shown, hidden):
    user = request.getfixturevalue(persona)
    page = client_for(user).get("/").content.decode()
    for role in shown:
        assert f'data-role-home="{role}"' in page
    for role in hidden:
        if persona != "admin":
            assert f'data-role-home="{role}"' not in page
    assert ("/admin/" in page) == (persona == "admin")


def test_a_user_without_a_role_is_told_to_ask_for_one(client_for, db):
    from tests.support.factories import UserFactory

    page = client_for(UserFactory(username="nobody")).get("/").content.decode()
    assert "You have no role yet" in page


def test_role_required_refuses_other_roles(rf, rep_a, marketer, admin):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    @roles.role_required(roles.MARKETING)
    def view(request):
        return HttpResponse("ok")

    for user, allowed in ((marketer, True), (admin, True), (rep_a, False)):
        request = rf.get("/")
        request.user = user
        if allowed:
            assert view(request).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                view(request)
