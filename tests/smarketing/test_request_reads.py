"""What every request reads, made cheap (issue 19): the person and their roles from the
session's cache read (smarketing.people), else in one query; the session from the cache;
and every change to the person still applies on their very next request, also with the
cache down."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from smarketing import people, roles
from smarketing.settings import redis_caches
from tests.support.factories import UserFactory

# A port nothing listens on: the cache is unreachable.
DOWN = "redis://127.0.0.1:9/0"

QUEUE, ALL_LEADS = "/leads/queue/", "/leads/all/"


@pytest.fixture(autouse=True)
def _snapshots_trusted():
    people._distrust_until = 0.0
    yield
    people._distrust_until = 0.0


def reads_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries]


class cache_down(override_settings):
    """The production cache aliases (smarketing.settings) pointed at nothing."""

    def __init__(self):
        super().__init__(CACHES=redis_caches(DOWN), SESSION_CACHE_ALIAS="sessions")

    def enable(self):
        super().enable()
        for alias in ("default", "sessions"):
            caches[alias].close()


def signed_in(client, user, path=QUEUE, status=200):
    """Sign in and make one request, which leaves the person's snapshot in the cache."""
    client.force_login(user)
    assert client.get(path).status_code == status
    return client


@pytest.mark.django_db
def test_a_bare_request_reads_nothing_from_the_database(client):
    person = UserFactory(username="mia", role=roles.MARKETING)
    client.force_login(person)
    response, sql = reads_of(client, "/bench/bare")
    assert response.status_code == 200
    # The first request of a session after sign-in reads the person and their roles in
    # one query, and keeps them.
    assert len(sql) == 1 and 'FROM "auth_user"' in sql[0] and "auth_user_groups" in sql[0]
    response, sql = reads_of(client, "/bench/bare")
    assert response.status_code == 200 and sql == []
    assert response.wsgi_request.user == person
    assert roles.roles_of(response.wsgi_request.user) == frozenset({roles.MARKETING})
    assert b"Hello, mia." in response.content


@pytest.mark.django_db
def test_the_person_and_their_roles_come_in_one_query_with_the_cache_down(client):
    person = UserFactory(username="mia", role=roles.MARKETING)
    client.force_login(person)
    with cache_down():
        for _ in range(2):
            response, sql = reads_of(client, "/bench/bare")
            assert response.status_code == 200
            user_reads = [q for q in sql if 'FROM "auth_user"' in q]
            assert len(user_reads) == 1 and "auth_user_groups" in user_reads[0]
            assert sum("auth_user_groups" in q for q in sql) == 1  # and nowhere else


@pytest.mark.django_db
def test_a_cached_person_is_the_person_the_database_holds(client):
    person = UserFactory(username="boss", first_name="Bo", is_superuser=True, is_staff=True)
    signed_in(client, person, "/bench/bare")
    cached = client.get("/bench/bare").wsgi_request.user
    fresh = get_user_model().objects.get(pk=person.pk)
    for field in fresh._meta.concrete_fields:
        if field.attname != "password":  # deferred: read when asked for
            assert getattr(cached, field.attname) == getattr(fresh, field.attname), field
    assert roles.roles_of(cached) == frozenset({roles.ADMIN})
    assert cached.get_deferred_fields() == {"password"}
    assert cached.check_password("pw-for-tests")  # the password, read when asked for


@pytest.mark.django_db
def test_a_role_given_or_taken_applies_on_the_next_request(client):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    assert client.get(ALL_LEADS).status_code == 403

    person.groups.add(Group.objects.get(name=roles.MARKETING))
    person.groups.remove(Group.objects.get(name=roles.SALES))
    assert client.get(ALL_LEADS).status_code == 200
    assert client.get(QUEUE).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "take_away",
    [
        lambda person, sales: person.groups.remove(sales),
        lambda person, sales: person.groups.clear(),
        lambda person, sales: person.groups.set([]),
        lambda person, sales: sales.user_set.remove(person),
        lambda person, sales: sales.user_set.clear(),
        lambda person, sales: setattr(sales, "name", "Sales (old)") or sales.save(),
        lambda person, sales: sales.delete(),
    ],
    ids=["remove", "clear", "set", "group-remove", "group-clear", "group-rename", "group-delete"],
)
def test_a_role_taken_away_from_either_side_applies_on_the_next_request(client, take_away):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    assert client.get(QUEUE).status_code == 200  # served from the snapshot
    take_away(person, Group.objects.get(name=roles.SALES))
    assert client.get(QUEUE).status_code == 403


@pytest.mark.django_db
def test_a_deactivated_person_is_logged_out_on_the_next_request(client):
    person = UserFactory(username="dee", role=roles.MARKETING)
    signed_in(client, person, ALL_LEADS)
    person.is_active = False
    person.save()
    response = client.get(ALL_LEADS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_user_deleted_is_logged_out_on_the_next_request(client):
    person = UserFactory(username="dee", role=roles.MARKETING)
    signed_in(client, person, ALL_LEADS)
    person.delete()
    response = client.get(ALL_LEADS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_write_that_sends_no_signal_applies_once_it_says_so(client):
    """QuerySet.update() sends no signal (smarketing.people): it must call person_changed."""
    person = UserFactory(username="dee", role=roles.MARKETING)
    signed_in(client, person, ALL_LEADS)
    get_user_model().objects.filter(pk=person.pk).update(is_active=False)
    people.person_changed([person.pk])
    assert client.get(ALL_LEADS).status_code == 302


@pytest.mark.django_db
def test_a_password_changed_elsewhere_logs_the_session_out_on_the_next_request(client):
    person = UserFactory(username="pat", role=roles.SALES)
    signed_in(client, person)
    person.set_password("a-new-long-password")
    person.save()
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_cached_person_changing_their_own_password_gets_the_new_session_hash(client):
    """A password change form saves request.user and calls update_session_auth_hash with
    it: the hash must come from the new password, not the snapshot's."""
    person = UserFactory(username="pat", role=roles.SALES)
    signed_in(client, person)
    cached = client.get(QUEUE).wsgi_request.user
    assert cached.get_deferred_fields() == {"password"}
    cached.set_password("a-new-long-password")
    cached.save()
    assert cached.get_session_auth_hash() == get_user_model().get_session_auth_hash(
        get_user_model().objects.get(pk=person.pk)
    )
    assert get_user_model().objects.get(pk=person.pk).check_password("a-new-long-password")


@pytest.mark.django_db
def test_a_name_changed_shows_on_the_next_request(client):
    person = UserFactory(username="mia", role=roles.MARKETING)
    signed_in(client, person, "/bench/bare")
    person.username = "mia.k"
    person.save()
    assert b"Hello, mia.k." in client.get("/bench/bare").content


@pytest.mark.django_db
def test_a_snapshot_stored_from_the_old_row_before_the_commit_is_never_used(
    client, django_capture_on_commit_callbacks
):
    """The race: a request reads the person while a role change is being committed."""
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    cache = caches[settings.SESSION_CACHE_ALIAS]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        person.groups.remove(Group.objects.get(name=roles.SALES))
        # A concurrent request before the commit: it reads the old row (this test's
        # connection sees the change, so the old roles are given by hand) and stores it.
        prefetch = people.Prefetch(str(person.pk), None, None, cache)
        prefetch.read_begins()
        old = get_user_model().objects.get(pk=person.pk)
        prefetch.store(old, 2)  # the Sales bit
        stored = people.Prefetch(
            str(person.pk),
            cache.get(people.stamp_key(person.pk)),
            cache.get(people.snapshot_key(person.pk)),
            cache,
        )
        assert roles.roles_of(stored.user()) == frozenset({roles.SALES})
    # After the commit that snapshot's stamp is gone.
    assert cache.get(people.stamp_key(person.pk)) is None
    assert client.get(QUEUE).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, path, answer",
    [
        (lambda p: p.groups.remove(Group.objects.get(name=roles.SALES)), QUEUE, 403),
        (lambda p: setattr(p, "is_active", False) or p.save(), QUEUE, 302),
        (lambda p: p.set_password("a-new-long-password") or p.save(), QUEUE, 302),
    ],
    ids=["role taken away", "deactivated", "password changed"],
)
def test_a_change_made_with_the_cache_down_applies_then_and_after_it_is_back(
    client, change, path, answer
):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    assert client.get(path).status_code == 200  # the snapshot is in the cache
    with cache_down():
        change(person)  # the stamp's delete fails
        assert client.get(path).status_code == answer
    # The cache is back, with the old snapshot and its stamp: this process, which lost
    # the delete, does not use snapshots for a while.
    assert client.get(path).status_code == answer


@pytest.mark.django_db
def test_a_change_with_the_cache_up_applies_with_the_cache_down(client):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    person.groups.remove(Group.objects.get(name=roles.SALES))
    with cache_down():
        assert client.get(QUEUE).status_code == 403


@pytest.mark.django_db
def test_a_snapshot_lives_at_most_a_minute(client):
    person = UserFactory(username="sam", role=roles.SALES)
    seen = {}
    cache = caches[settings.SESSION_CACHE_ALIAS]
    original = cache.set

    def recording(key, value, timeout=None, version=None):
        seen[key] = timeout
        return original(key, value, timeout, version)

    cache.set = recording
    try:
        signed_in(client, person)
    finally:
        del cache.set
    assert seen[people.snapshot_key(person.pk)] == people.SNAPSHOT_SECONDS <= 60


@pytest.mark.django_db
def test_a_superuser_counts_as_admin():
    from smarketing.auth import RolesModelBackend

    boss = UserFactory(username="boss", is_superuser=True)
    loaded = RolesModelBackend().get_user(boss.pk)
    assert roles.roles_of(loaded) == frozenset({roles.ADMIN})
    assert RolesModelBackend().get_user(boss.pk + 1000) is None


def replayed_after_sign_out(client):
    """Sign out, then send the signed-out session's cookie again (a copied cookie)."""
    name = settings.SESSION_COOKIE_NAME
    old = client.cookies[name].value
    assert client.post("/accounts/logout/").status_code == 302
    client.cookies[name] = old
    return client


@pytest.mark.django_db
def test_a_sign_out_signs_out_even_a_replayed_cookie(client):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    replayed_after_sign_out(client)
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_sign_out_with_the_cache_down_signs_out_then_and_after_it_is_back(client):
    person = UserFactory(username="sam", role=roles.SALES)
    signed_in(client, person)
    with cache_down():
        replayed_after_sign_out(client)  # the copy's delete fails
        assert client.get(QUEUE).status_code == 302
    # The cache is back with the session's old copy: this process, which lost the
    # delete, reads sessions from the database for a while.
    assert client.get(QUEUE).status_code == 302


def test_a_process_with_another_secret_key_or_user_model_reads_other_keys(settings):
    """A snapshot's session hash is made with SECRET_KEY, its values follow the user
    model's fields: during a deploy that changes either, old and new processes share
    the cache and must not read each other's snapshots."""
    prefix, fields = people._layout()
    assert "password" not in fields and "username" in fields
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert people._layout()[0] != prefix
