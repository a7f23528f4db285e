"""The navigation: each role sees the entries its roles allow (smarketing.roles.has_role),
in order, the current one marked; built once per set of roles (issue 19)."""

from itertools import combinations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from smarketing import roles
from smarketing.context_processors import NAVIGATION, navigation
from tests.support.factories import UserFactory

ROLE_SETS = [()] + [(r,) for r in roles.ALL_ROLES] + list(combinations(roles.ALL_ROLES, 2))


def expected(user, path):
    """The rule written out: an entry is shown when has_role says so."""
    shown = []
    for label, url_name, needed, prefix in NAVIGATION:
        if needed is None or roles.has_role(user, *needed):
            url = reverse(url_name)
            marks = prefix or url
            active = path == marks if marks == "/" else path.startswith(marks)
            shown.append({"label": label, "url": url, "active": active})
    return shown


@pytest.mark.django_db
@pytest.mark.parametrize("held", ROLE_SETS, ids=lambda h: "+".join(h) or "none")
def test_each_set_of_roles_sees_what_has_role_allows(held):
    from django.contrib.auth.models import Group

    user = UserFactory(username="person")
    user.groups.set(Group.objects.filter(name__in=held))
    for path in ("/", "/leads/queue/", "/messages/12/", "/insight/loop-health/"):
        for _twice in range(2):  # built, then from what was built
            request = RequestFactory().get(path)
            request.user = type(user).objects.get(pk=user.pk)
            context = navigation(request)
            assert context["nav_items"] == expected(request.user, path)
            assert context["roles"] == sorted(roles.roles_of(request.user))
            assert context["is_marketer"] == roles.has_role(request.user, roles.MARKETING)


@pytest.mark.django_db
def test_a_superuser_sees_every_entry():
    request = RequestFactory().get("/")
    request.user = UserFactory(username="boss", is_superuser=True)
    labels = [item["label"] for item in navigation(request)["nav_items"]]
    assert labels == [label for label, *_ in NAVIGATION]
    assert navigation(request)["is_admin"]


def test_nobody_signed_in_gets_no_navigation():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert navigation(request) == {}
