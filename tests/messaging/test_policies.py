"""Who may do what with messages, told as stories. The pages and the services ask the
same policy, so these are the rules both follow."""

import pytest
from django.contrib.auth.models import AnonymousUser

from messaging.models import MessageVersion
from messaging.policies import MessagePolicy, VersionPolicy
from tests.support.messaging_factories import draft, make_message, publish


@pytest.fixture
def message(marketer):
    return make_message(marketer, body="Close the books in half the time.")


def test_the_marketer_writes_messages_and_salespeople_only_read_them(
    marketer, rep_a, manager_a, admin, message
):
    for person in (marketer, admin):
        policy = MessagePolicy(person, message)
        assert policy.can_create() and policy.can_edit() and policy.can_create_draft()
        assert policy.can_see_drafts()
    for person in (rep_a, manager_a, AnonymousUser()):
        policy = MessagePolicy(person, message)
        assert not policy.can_edit()
        assert not policy.can_see_drafts()
        assert policy.can_create_draft().reason == "Only marketing can change messages."


def test_a_draft_can_be_edited_published_and_discarded_but_not_retired(marketer, message):
    policy = VersionPolicy(marketer, draft(message))
    assert policy.can_edit() and policy.can_publish() and policy.can_discard()
    assert policy.can_retire().reason == "Only the live version can be retired."
    assert not policy.can_restore()


def test_an_empty_draft_cannot_be_published_and_the_button_says_why(marketer):
    empty = draft(make_message(marketer, body=""))
    assert VersionPolicy(marketer, empty).can_publish().reason == (
        "An empty draft cannot be published."
    )


def test_the_live_version_is_frozen_but_can_be_retired_or_restored(marketer, message):
    live = publish(message, marketer)
    policy = VersionPolicy(marketer, live)
    assert policy.can_edit().reason == (
        "This version has been published; open a new draft to edit it."
    )
    assert policy.can_publish().reason == f"v{live.number} has already been published."
    assert not policy.can_discard()
    assert policy.can_retire() and policy.can_restore()


def test_rep_a_logs_calls_with_published_versions_and_the_marketer_does_not(
    marketer, rep_a, message
):
    unpublished = draft(message)
    assert VersionPolicy(rep_a, unpublished).can_log_call().reason == (
        "Choose a published version of the message."
    )
    live = publish(message, marketer)
    assert VersionPolicy(rep_a, live).can_log_call()
    assert VersionPolicy(marketer, live).can_log_call().reason == "Only salespeople log calls."
    assert not VersionPolicy(rep_a, live).can_retire()


def test_a_retired_version_may_still_be_named_in_a_call(marketer, rep_a, message):
    v1 = publish(message, marketer)
    publish(message, marketer, body="Sharper words.", summary="Sharper")
    v1.refresh_from_db()
    assert v1.status == MessageVersion.Status.RETIRED
    assert VersionPolicy(rep_a, v1).can_be_used_in_calls()
    assert VersionPolicy(rep_a, v1).can_log_call()


def test_the_message_page_shows_actions_from_the_policy(client_for, marketer, rep_a, message):
    publish(message, marketer)
    url = f"/messages/{message.pk}/"
    as_marketer = client_for(marketer).get(url).content.decode()
    assert "Retire v1" in as_marketer and "Log a call using v1" not in as_marketer
    as_rep = client_for(rep_a).get(url).content.decode()
    assert "Log a call using v1" in as_rep and "Retire v1" not in as_rep
