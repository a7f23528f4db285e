"""A double-submitted form counts once (smarketing/idempotency.py)."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from smarketing.idempotency import IdempotencyField, new_key, once


def _load(pk):
    return Group.objects.get(pk=pk)


def _make(name):
    return lambda: Group.objects.create(name=name)


def test_the_same_key_twice_creates_once_and_returns_the_first(rep_a):
    key = new_key()
    first, created = once(scope="test", key=key, user=rep_a, create=_make("a"), load=_load)
    again, created_again = once(scope="test", key=key, user=rep_a, create=_make("b"), load=_load)
    assert created and not created_again
    assert again == first
    assert not Group.objects.filter(name="b").exists()


def test_without_a_key_every_post_creates(rep_a):
    once(scope="test", key="", user=rep_a, create=_make("a"), load=_load)
    once(scope="test", key=None, user=rep_a, create=_make("b"), load=_load)
    assert Group.objects.filter(name__in=["a", "b"]).count() == 2


def test_a_key_claimed_by_someone_else_is_refused_not_returned(rep_a, rep_b):
    key = new_key()
    once(scope="test", key=key, user=rep_a, create=_make("a"), load=_load)
    with pytest.raises(ValidationError, match="already sent"):
        once(scope="test", key=key, user=rep_b, create=_make("b"), load=_load)


def test_a_failed_write_releases_the_key(rep_a):
    key = new_key()

    def fails():
        Group.objects.create(name="half")
        raise ValidationError("no")

    with pytest.raises(ValidationError), transaction.atomic():
        once(scope="test", key=key, user=rep_a, create=fails, load=_load)
    made, created = once(scope="test", key=key, user=rep_a, create=_make("a"), load=_load)
    assert created and made.name == "a"
    assert not Group.objects.filter(name="half").exists()


def test_each_unbound_form_render_gets_a_fresh_token():
    field = IdempotencyField()
    first, second = field.initial(), field.initial()
    assert first and second and first != second


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_create_one_object(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL (the CI's second run)")
    user = django_user_model.objects.create(username="racer")
    key = new_key()
    barrier = threading.Barrier(2)
    results = []

    def post(name):
        from django.db import connections

        try:
            barrier.wait()
            with transaction.atomic():
                results.append(
                    once(scope="race", key=key, user=user, create=_make(name), load=_load)
                )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Group.objects.filter(name__in=["x", "y"]).count() == 1
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0] == results[1][0]
