"""A published version is kept as it was used: the model refuses to change or delete
it, and so does the database (triggers, PostgreSQL and SQLite), for a hand-written SQL
statement as much as for a bug. Its passages likewise. A draft stays editable."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from messaging.models import MessageVersion, Passage
from tests.support.messaging_factories import make_message, publish

BODY = "First paragraph.\n\nSecond paragraph."


@pytest.fixture
def live(marketer):
    return publish(make_message(marketer, body=BODY), marketer)


def refused(sql, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [("change_summary", "rewritten"), ("published_at", "2001-01-01 00:00:00"), ("body", "x")],
)
def test_the_database_refuses_to_rewrite_a_published_version(live, column, value):
    sql = f"UPDATE messaging_messageversion SET {column} = %s WHERE id = %s"  # noqa: S608
    refused(sql, [value, live.pk])


def test_the_database_refuses_to_change_a_published_versions_author(live, marketer_2):
    refused(
        "UPDATE messaging_messageversion SET author_id = %s WHERE id = %s", [marketer_2.pk, live.pk]
    )


def test_the_database_refuses_to_delete_a_published_version(live):
    refused("DELETE FROM messaging_messageversion WHERE id = %s", [live.pk])
    assert MessageVersion.objects.filter(pk=live.pk).exists()


def test_the_database_refuses_to_change_or_delete_a_published_versions_passages(live):
    passage = live.passages.first()
    refused("UPDATE messaging_passage SET text = %s WHERE id = %s", ["x", passage.pk])
    refused("DELETE FROM messaging_passage WHERE id = %s", [passage.pk])
    assert Passage.objects.get(pk=passage.pk).text == passage.text


def test_retiring_a_published_version_is_still_allowed(live, marketer):
    from messaging import services

    services.version_retire(version=live, user=marketer)
    live.refresh_from_db()
    assert live.status == MessageVersion.Status.RETIRED


def test_a_draft_and_its_passages_can_still_be_changed_and_deleted(marketer, live):
    from messaging import services

    draft = services.draft_create(message=live.message, user=marketer)
    draft = services.draft_save(version=draft, user=marketer, body="New.", revision=draft.revision)
    draft.passages.all().delete()
    draft.delete()
    assert not MessageVersion.objects.filter(pk=draft.pk).exists()


def test_the_model_refuses_to_save_changes_to_a_published_version(live):
    live.change_summary = "rewritten"
    with pytest.raises(ValidationError):
        live.save()
    live.refresh_from_db()
    live.published_at = timezone.now()
    with pytest.raises(ValidationError):
        live.save()


def test_the_model_refuses_to_delete_a_published_version_or_its_passages(live):
    with pytest.raises(ValidationError):
        live.delete()
    with pytest.raises(ValidationError):
        MessageVersion.objects.filter(pk=live.pk).delete()
    with pytest.raises(ValidationError):
        live.passages.first().delete()
    with pytest.raises(ValidationError):
        live.passages.all().delete()
    assert MessageVersion.objects.filter(pk=live.pk).exists()
