"""What every request reads, made cheap (issue 19): the person and their roles in one
query, the session from the cache; and a role change still applies on the next request."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smarketing import roles
from tests.support.factories import UserFactory


def reads_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_person_and_their_roles_come_in_one_query(client):
    marketer = UserFactory(username="mia", role=roles.MARKETING)
    client.force_login(marketer)
    response, sql = reads_of(client, "/bench/bare")
    assert response.status_code == 200
    user_reads = [q for q in sql if 'FROM "auth_user"' in q]
    assert len(user_reads) == 1
    assert "auth_user_groups" in user_reads[0]  # the roles, beside the user row
    assert sum("auth_user_groups" in q for q in sql) == 1  # and nowhere else
    # The session came from the cache: no session table read.
    assert not any("django_session" in q for q in sql)


@pytest.mark.django_db
def test_a_role_given_or_taken_applies_on_the_next_request(client):
    person = UserFactory(username="sam", role=roles.SALES)
    client.force_login(person)
    assert client.get("/leads/queue/").status_code == 200
    assert client.get("/leads/all/").status_code == 403

    person.groups.add(Group.objects.get(name=roles.MARKETING))
    person.groups.remove(Group.objects.get(name=roles.SALES))
    assert client.get("/leads/all/").status_code == 200
    assert client.get("/leads/queue/").status_code == 403


@pytest.mark.django_db
def test_a_deactivated_person_is_logged_out_on_the_next_request(client):
    person = UserFactory(username="dee", role=roles.MARKETING)
    client.force_login(person)
    assert client.get("/leads/all/").status_code == 200
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    response = client.get("/leads/all/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_superuser_counts_as_admin():
    from smarketing.auth import RolesModelBackend

    boss = UserFactory(username="boss", is_superuser=True)
    loaded = RolesModelBackend().get_user(boss.pk)
    assert roles.roles_of(loaded) == frozenset({roles.ADMIN})
    assert RolesModelBackend().get_user(boss.pk + 1000) is None
