"""A salesperson logs a call: what is stored, what is checked, what the engine counts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import services
from feedback.models import CallLog, ObjectionTag, PassageEdit, VersionStats
from tests.feedback.conftest import SAID
from tests.support.messaging_factories import publish


def test_a_call_stores_the_wording_and_one_edit_per_changed_passage(rep_a, v1, log_call):
    call = log_call(rep_a, v1, said=SAID)
    assert call.edited_body == SAID
    assert call.has_edits
    [edit] = call.passage_edits.all()
    assert edit.kind == "replace"
    assert edit.original_text.startswith("Finance teams lose")
    assert edit.edited_text.startswith("Your finance team loses")
    assert edit.passage_key == v1.passages.get(position=1).key


def test_a_call_used_as_written_has_no_edits(rep_a, v1, log_call):
    call = log_call(rep_a, v1)
    assert not call.has_edits
    assert call.passage_edits.count() == 0


def test_left_out_and_added_passages_are_recorded(rep_a, v1, log_call):
    said = v1.body.replace("Book a 20-minute walkthrough.", "Ask who signs off the close.")
    said = said.replace("# Close the books in half the time\n\n", "")
    call = log_call(rep_a, v1, said=said)
    kinds = sorted(call.passage_edits.values_list("kind", flat=True))
    # The heading is left out; the last paragraph, said in other words in its place, is
    # a rewrite (it used to be stored as "removed" + "added").
    assert kinds == ["remove", "rewrite"]


def test_the_call_is_also_an_attempt_on_the_lead(rep_a, v1, log_call):
    call = log_call(rep_a, v1)
    call.lead.refresh_from_db()
    assert call.attempt is not None
    assert call.attempt.outcome == "meeting_booked"
    assert call.lead.first_touch_at == call.occurred_at


def test_the_engine_counts_the_call_once_however_often_it_runs(rep_a, v1, log_call):
    call = log_call(rep_a, v1, reaction=5, outcome="proposal_requested")
    stats = VersionStats.objects.get(version=v1)
    assert (stats.uses, stats.reaction_5, stats.outcomes) == (1, 1, {"proposal_requested": 1})
    assert services.call_log_process(call_log_id=call.pk) is False
    assert services.call_log_process(call_log_id=call.pk) is False
    stats.refresh_from_db()
    assert (stats.uses, stats.reaction_5) == (1, 1)


def test_the_engine_is_enqueued_only_after_commit(
    rep_a, v1, accepted_by, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call = services.call_log_create(
            user=rep_a, lead=lead, version=v1, reaction=3, outcome="not_now", edited_body=v1.body
        )
    assert CallLog.objects.get(pk=call.pk).processed_at is None
    assert not VersionStats.objects.filter(version=v1).exists()
    for callback in callbacks:
        callback()
    assert CallLog.objects.get(pk=call.pk).processed_at is not None


def test_objections_typed_by_sales_become_proposals(rep_a, v1, log_call):
    ObjectionTag.objects.create(name="Too expensive")
    call = log_call(rep_a, v1, new_objection_names=["too expensive", "Locked into ERP contract"])
    assert sorted(call.objections.values_list("name", "status")) == [
        ("Locked into ERP contract", "proposed"),
        ("Too expensive", "approved"),
    ]
    assert VersionStats.objects.get(version=v1).objections == {
        "Locked into ERP contract": 1,
        "Too expensive": 1,
    }


def test_a_quote_can_be_attached_to_a_passage_of_the_version(rep_a, v1, log_call):
    key = v1.passages.get(position=1).key
    call = log_call(rep_a, v1, quote="Four days? It's six for us.", quote_passage_key=key)
    assert call.quote_passage_key == key
    with pytest.raises(ValidationError):
        log_call(rep_a, v1, quote="x", quote_passage_key="nope")


def test_only_the_owner_logs_a_call_on_a_lead(rep_a, rep_b, v1, accepted_by):
    lead = accepted_by(rep_a)
    with pytest.raises(PermissionDenied):
        services.call_log_create(
            user=rep_b, lead=lead, version=v1, reaction=3, outcome="not_now", edited_body=""
        )


def test_marketing_does_not_log_calls(marketer, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    with pytest.raises(PermissionDenied):
        services.call_log_create(
            user=marketer, lead=lead, version=v1, reaction=3, outcome="not_now", edited_body=""
        )


def test_a_draft_cannot_be_used_in_a_call(rep_a, marketer, v1, log_call):
    from messaging import services as messaging_services

    draft = messaging_services.draft_create(message=v1.message, user=marketer)
    with pytest.raises(ValidationError):
        log_call(rep_a, draft)


def test_an_older_version_can_be_chosen(rep_a, marketer, v1, log_call):
    publish(v1.message, marketer, body=v1.body + "\n\nNew closing line.")
    v1.refresh_from_db()
    call = log_call(rep_a, v1)
    assert call.version == v1 and v1.status == "retired"


def test_passage_edits_follow_the_version_passage_keys(rep_a, v1):
    edits = services.passage_edits_for(version=v1, edited_body=SAID)
    assert [(e.kind, e.passage_key) for e in edits] == [
        (PassageEdit.Kind.REPLACE, v1.passages.get(position=1).key)
    ]
