"""The suggestion counts by status (SuggestionCount): a rollup rebuilt through the outbox
after every write that creates, removes or decides a suggestion, equal to counting the
suggestions; the inbox's pagination reads it instead of counting (issue 19)."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import Suggestion, SuggestionCount
from tests.feedback.conftest import BODY, SAID
from tests.support.messaging_factories import publish

P3 = BODY.replace("Book a 20-minute walkthrough.", "Book a 15-minute walkthrough.")
REWORDED = SAID.replace("every month", "each and every month of the year")


def rollup_equals_counting() -> dict[str, int]:
    counted = {
        status: Suggestion.objects.filter(status=status).count()
        for status in Suggestion.Status.values
    }
    assert dict(SuggestionCount.objects.values_list("status", "count")) == counted
    return counted


def test_the_counts_equal_counting_after_every_kind_of_write(
    marketer, rep_a, rep_b, v1, log_call, django_capture_on_commit_callbacks
):
    when = timezone.now() - timedelta(hours=2)
    # The engine opens suggestions (two passages, and a second wording of one).
    log_call(rep_a, v1, said=SAID, occurred_at=when)
    call = log_call(rep_b, v1, said=P3, occurred_at=when)
    assert rollup_equals_counting()["open"] == 2
    p3_key = call.passage_edits.get().passage_key
    p2 = Suggestion.objects.exclude(passage_key=p3_key).get()
    # Decisions.
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_reject(suggestion=p2, user=marketer, reason="Keep it short.")
    assert rollup_equals_counting()["rejected"] == 1
    again = log_call(rep_a, v1, said=SAID, occurred_at=when)  # a new open one, same change
    other = Suggestion.objects.open().get(passage_key=p3_key)
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_accept(suggestion=other, user=marketer)
    assert rollup_equals_counting()["accepted"] == 1
    # A correction takes the only edit of an open suggestion away: it is removed.
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_correct(call_log=again, user=rep_a, edited_body=BODY)
    assert rollup_equals_counting()["open"] == 0
    # Publishing a version without the passage makes an open suggestion stale.
    log_call(rep_b, v1, said=P3, occurred_at=when)
    body = v1.body.replace("\n\nBook a 20-minute walkthrough.", "")
    with django_capture_on_commit_callbacks(execute=True):
        publish(v1.message, marketer, body=body)
    assert rollup_equals_counting()["stale"] == 1
    # The hourly refresh rebuilds them whole.
    SuggestionCount.objects.update(count=99)
    services.suggestions_refresh_open()
    rollup_equals_counting()


def test_the_inbox_pages_by_the_rollup_unless_narrowed(client_for, marketer, rep_a, v1, log_call):
    log_call(rep_a, v1, said=SAID)
    client = client_for(marketer)

    def counts_of_suggestions(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return [
            q["sql"]
            for q in captured.captured_queries
            if "COUNT(" in q["sql"] and 'FROM "feedback_suggestion"' in q["sql"]
        ]

    inbox = reverse("feedback:suggestion_inbox")
    assert counts_of_suggestions(inbox) == []
    assert counts_of_suggestions(inbox + "?status=") == []
    assert len(counts_of_suggestions(inbox + "?title=Value")) == 1
    assert len(counts_of_suggestions(inbox + "?min_reps=1")) == 1
    # The count shown is the rollup's (here made wrong on purpose: 30 open on 2 pages).
    SuggestionCount.objects.filter(status="open").update(count=30)
    assert "Page 1 of 2" in client.get(inbox).content.decode()
