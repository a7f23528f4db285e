"""Marketing's rules for versions: publish, retire, drafts, conflicts, immutability."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from messaging import services
from messaging.models import MessageVersion
from tests.support.messaging_factories import draft, make_message, publish


def test_a_new_message_starts_with_draft_v1(marketer):
    message = make_message(marketer, body="Hello")
    v1 = draft(message)
    assert v1.number == 1
    assert v1.status == "draft"
    assert v1.author == marketer
    assert message.live_version is None
    assert [p.text for p in v1.passages.all()] == ["Hello"]


def test_publishing_makes_v1_live(marketer):
    message = make_message(marketer, body="Hello")
    v1 = publish(message, marketer)
    message.refresh_from_db()
    assert v1.status == "live"
    assert v1.published_by == marketer
    assert v1.published_at is not None
    assert message.live_version == v1


def test_publishing_v2_retires_v1_in_the_same_step(marketer):
    message = make_message(marketer, body="First words")
    v1 = publish(message, marketer)
    v2 = publish(message, marketer, body="Better words", summary="Sharper opening")
    v1.refresh_from_db()
    message.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "live")
    assert v1.retired_at is not None
    assert message.live_version == v2
    assert v2.based_on == v1
    assert v2.change_summary == "Sharper opening"
    assert MessageVersion.objects.filter(message=message, status="live").count() == 1


def test_publishing_needs_a_change_summary(marketer):
    message = make_message(marketer, body="Hello")
    with pytest.raises(ValidationError, match="Say what changed"):
        services.version_publish(version=draft(message), user=marketer, change_summary="  ")
    assert draft(message).status == "draft"


def test_an_empty_draft_cannot_be_published(marketer):
    message = make_message(marketer, body="")
    with pytest.raises(ValidationError, match="empty"):
        services.version_publish(version=draft(message), user=marketer, change_summary="x")


def test_a_published_version_cannot_be_published_again(marketer):
    message = make_message(marketer, body="Hello")
    v1 = publish(message, marketer)
    with pytest.raises(ValidationError, match="already been published"):
        services.version_publish(version=v1, user=marketer, change_summary="again")


def test_the_database_refuses_to_change_a_published_versions_text(marketer):
    message = make_message(marketer, body="Hello")
    v1 = publish(message, marketer)
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageVersion.objects.filter(pk=v1.pk).update(body="Rewritten behind our back")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageVersion.objects.filter(pk=v1.pk).update(status="draft")
    v1.refresh_from_db()
    assert v1.body == "Hello"


def test_a_retired_version_never_goes_live_again_directly(marketer):
    message = make_message(marketer, body="One")
    v1 = publish(message, marketer)
    publish(message, marketer, body="Two")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageVersion.objects.filter(pk=v1.pk).update(status="live")


def test_the_database_allows_one_live_version_per_message(marketer):
    message = make_message(marketer, body="One")
    publish(message, marketer)
    publish(message, marketer, body="Two")
    v1 = message.versions.get(number=1)
    # Even a bypass of the trigger's forward-only rule could not produce two live rows:
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageVersion.objects.create(
            message=message, number=9, body="x", status="live", author=marketer,
            published_at=v1.published_at,
        )  # fmt: skip


def test_one_draft_at_a_time(marketer):
    message = make_message(marketer, body="Hello")
    with pytest.raises(services.DraftExists):
        services.draft_create(message=message, user=marketer)


def test_a_stale_save_is_refused_and_nothing_is_overwritten(marketer, marketer_2):
    message = make_message(marketer, body="Original")
    opened = draft(message)
    services.draft_save(version=opened, user=marketer_2, body="Marcus's text", revision=1)
    with pytest.raises(services.DraftConflict) as conflict:
        services.draft_save(version=opened, user=marketer, body="Maria's text", revision=1)
    assert conflict.value.version.body == "Marcus's text"
    assert draft(message).body == "Marcus's text"
    assert draft(message).revision == 2


def test_saving_bumps_the_revision_and_keeps_passage_keys(marketer):
    message = make_message(marketer, body="Para one.\n\nPara two.")
    v1 = draft(message)
    keys = list(v1.passages.values_list("key", flat=True))
    saved = services.draft_save(
        version=v1, user=marketer, body="Para one, edited.\n\nPara two.", revision=1
    )
    assert saved.revision == 2
    assert list(saved.passages.values_list("key", flat=True)) == keys


def test_a_new_draft_inherits_passage_keys_from_the_live_version(marketer):
    message = make_message(marketer, body="Alpha passage here.\n\nBeta passage here.")
    v1 = publish(message, marketer)
    v2 = services.draft_create(message=message, user=marketer)
    v2 = services.draft_save(
        version=v2, user=marketer, body="Beta passage here.\n\nAlpha passage, now better.",
        revision=v2.revision,
    )  # fmt: skip
    by_key_v1 = {p.key: p.text for p in v1.passages.all()}
    by_key_v2 = {p.key: p.text for p in v2.passages.all()}
    assert set(by_key_v1) == set(by_key_v2)


def test_restoring_an_old_version_opens_a_draft_with_its_text(marketer):
    message = make_message(marketer, body="Old words")
    v1 = publish(message, marketer)
    publish(message, marketer, body="New words")
    restored = services.draft_create(message=message, user=marketer, from_version=v1)
    assert restored.number == 3
    assert restored.body == "Old words"
    assert restored.origin == "restored"
    assert restored.based_on == v1


def test_retiring_the_live_version_leaves_no_live_version(marketer):
    message = make_message(marketer, body="Hello")
    v1 = publish(message, marketer)
    services.version_retire(version=v1, user=marketer)
    message.refresh_from_db()
    v1.refresh_from_db()
    assert message.live_version is None
    assert v1.status == "retired"


def test_discarding_only_works_on_drafts(marketer):
    message = make_message(marketer, body="Hello")
    v1 = publish(message, marketer)
    with pytest.raises(ValidationError):
        services.draft_discard(version=v1, user=marketer)
    v2 = services.draft_create(message=message, user=marketer)
    services.draft_discard(version=v2, user=marketer)
    assert not message.versions.filter(status="draft").exists()


@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_sales_cannot_write_messages(request, marketer, persona):
    user = request.getfixturevalue(persona)
    message = make_message(marketer, body="Hello")
    with pytest.raises(PermissionDenied):
        services.version_publish(version=draft(message), user=user, change_summary="x")
    with pytest.raises(PermissionDenied):
        services.message_create(user=user, title="t", kind="other", stage="awareness")
    with pytest.raises(PermissionDenied):
        services.draft_save(version=draft(message), user=user, body="x", revision=1)


def test_publishing_announces_the_version_to_receivers_in_its_transaction(marketer):
    received = []

    def listener(sender, version, previous, **kwargs):
        from django.db import connection

        received.append((version.number, previous, connection.in_atomic_block))

    services.version_published.connect(listener)
    try:
        message = make_message(marketer, body="Hello")
        publish(message, marketer)
        assert received == [(1, None, True)]
    finally:
        services.version_published.disconnect(listener)


def test_message_update_changes_only_the_fields_it_knows(marketer):
    message = make_message(marketer, title="Old title", body="Hello")
    services.message_update(message=message, user=marketer, title="New title")
    message.refresh_from_db()
    assert message.title == "New title"
    with pytest.raises(TypeError, match="live_version"):
        services.message_update(message=message, user=marketer, live_version=None)
    with pytest.raises(TypeError, match="titel"):
        services.message_update(message=message, user=marketer, titel="Typo")
    message.refresh_from_db()
    assert message.title == "New title"


REPEATED = "Book a demo.\n\nWe save you four days.\n\nBook a demo."


def test_a_passage_is_replaced_by_its_key_even_when_its_text_repeats(marketer):
    message = make_message(marketer, body=REPEATED)
    current = draft(message)
    last = current.passages.get(position=2)
    saved = services.draft_passage_replace(
        version=current,
        user=marketer,
        passage_key=last.key,
        new_text="Book a 20-minute demo.",
        expected_revision=current.revision,
    )
    assert saved.body == "Book a demo.\n\nWe save you four days.\n\nBook a 20-minute demo."
    assert saved.revision == current.revision + 1
    # the passage keeps its key: the change is a rewording of it
    assert saved.passages.get(position=2).key == last.key


def test_a_passage_edit_on_a_stale_revision_is_a_conflict(marketer, marketer_2):
    message = make_message(marketer, body=REPEATED)
    current = draft(message)
    services.draft_save(version=current, user=marketer_2, body=REPEATED + "\n\nP.S.", revision=1)
    with pytest.raises(services.DraftConflict):
        services.draft_passage_replace(
            version=current,
            user=marketer,
            passage_key=current.passages.get(position=0).key,
            new_text="Changed.",
            expected_revision=1,
        )
    assert draft(message).body == REPEATED + "\n\nP.S."


def test_a_passage_the_draft_no_longer_has_is_refused(marketer, rep_a):
    message = make_message(marketer, body=REPEATED)
    current = draft(message)
    with pytest.raises(services.PassageGone):
        services.draft_passage_replace(
            version=current,
            user=marketer,
            passage_key="nosuchkey",
            new_text="x",
            expected_revision=current.revision,
        )
    with pytest.raises(PermissionDenied):
        services.draft_passage_replace(
            version=current,
            user=rep_a,
            passage_key=current.passages.first().key,
            new_text="x",
            expected_revision=current.revision,
        )
    live = publish(message, marketer)
    with pytest.raises(ValidationError, match="has been published"):
        services.draft_passage_replace(
            version=live,
            user=marketer,
            passage_key=live.passages.first().key,
            new_text="x",
            expected_revision=live.revision,
        )
