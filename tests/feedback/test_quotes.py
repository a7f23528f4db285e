"""The quotes on a suggestion's card (feedback.quotes): a rollup the engine keeps on each
suggestion, equal to the rule computed from the edits after every kind of write that
moves it, and what the inbox reads instead of the edits (issue 19)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import selectors, services
from feedback.models import CallLog, Suggestion
from feedback.quotes import latest_quoted_calls
from smarketing.preferences import preferences_save
from tests.feedback.conftest import BODY, SAID

WHEN = timezone.now() - timedelta(hours=3)
P3 = BODY.replace("Book a 20-minute walkthrough.", "Book a 15-minute walkthrough.")
BOTH = SAID.replace("Book a 20-minute walkthrough.", "Book a 15-minute walkthrough.")


def rollup_equals_rule() -> dict[int, list[int]]:
    """Every suggestion's rollup is exactly what the rule computes from its edits now."""
    ids = list(Suggestion.objects.values_list("pk", flat=True))
    rule = latest_quoted_calls(ids)
    rollup = dict(Suggestion.objects.values_list("pk", "quote_call_ids"))
    assert rollup == {pk: rule.get(pk, []) for pk in ids}
    return rule


def quotes_of(suggestion) -> list[str]:
    return [CallLog.objects.get(pk=pk).quote for pk in suggestion.quote_call_ids]


def test_every_suggestion_shows_its_newest_quotes_however_many_the_others_have(
    rep_a, rep_b, v1, log_call
):
    # The read before issue 19 took the newest 20 x (cards) quoted edits of all the
    # page's suggestions together: a well-supported suggestion's newer quotes pushed a
    # smaller one's out of that window, and its card showed none.
    log_call(rep_b, v1, said=P3, quote="The older words", occurred_at=WHEN)
    for i in range(41):
        log_call(
            rep_a, v1, said=SAID, quote=f"Newer {i}", occurred_at=WHEN + timedelta(minutes=i + 1)
        )
    suggestions = list(Suggestion.objects.order_by("pk"))
    selectors.decorate_suggestions(suggestions)
    small, big = (
        next(s for s in suggestions if s.call_count == 1),
        next(s for s in suggestions if s.call_count == 41),
    )
    assert [call.quote for call in small.quotes] == ["The older words"]
    assert [call.quote for call in big.quotes] == ["Newer 40", "Newer 39", "Newer 38"]
    rollup_equals_rule()


def test_quotes_come_newest_first_each_call_once_and_ties_in_call_order(rep_a, rep_b, v1, log_call):
    same_minute = WHEN.replace(second=0, microsecond=0)
    first = log_call(rep_a, v1, said=SAID, quote="First", occurred_at=same_minute)
    second = log_call(rep_b, v1, said=SAID, quote="Second", occurred_at=same_minute)
    log_call(rep_a, v1, said=SAID, occurred_at=same_minute + timedelta(minutes=5))  # no quote
    (suggestion,) = Suggestion.objects.all()
    assert suggestion.quote_call_ids == [second.pk, first.pk]
    rollup_equals_rule()


def test_the_rollup_equals_the_rule_after_every_kind_of_write(
    marketer, rep_a, rep_b, rep_c, v1, log_call, django_capture_on_commit_callbacks
):
    def minutes(n):
        return WHEN + timedelta(minutes=n)

    # Calls: quoted and not, editing one passage, the other, or both (one call in two
    # suggestions), and one quoted call said as written (in no suggestion).
    a = log_call(rep_a, v1, said=SAID, quote="A", occurred_at=minutes(1))
    log_call(rep_b, v1, said=P3, quote="B", occurred_at=minutes(2))
    both = log_call(rep_c, v1, said=BOTH, quote="Both", occurred_at=minutes(3))
    log_call(rep_a, v1, said=SAID, occurred_at=minutes(4))
    log_call(rep_b, v1, quote="As written", occurred_at=minutes(5))
    rule = rollup_equals_rule()
    assert sorted(len(calls) for calls in rule.values()) == [2, 2]

    # Marketing accepts one; its quotes stay (a decided suggestion keeps them).
    p2 = Suggestion.objects.get(passage_key=a.passage_edits.get().passage_key)
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_accept(suggestion=p2, user=marketer)
    rollup_equals_rule()

    # Corrections: a quote emptied (its call was in the accepted suggestion and an open
    # one; its new edits go to open ones), a quote given again, a call now said as
    # written (its edits leave the accepted suggestion, which is left with no quote).
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_correct(call_log=both, user=rep_c, quote="")
    assert quotes_of(Suggestion.objects.get(pk=p2.pk)) == ["A"]
    rollup_equals_rule()
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_correct(call_log=both, user=rep_c, quote="Said again")
    rollup_equals_rule()
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_correct(call_log=a, user=rep_a, edited_body=BODY)
    assert quotes_of(Suggestion.objects.get(pk=p2.pk)) == []
    rollup_equals_rule()

    # New calls after the decision: the same change starts a new open suggestion.
    log_call(rep_b, v1, said=SAID, quote="After the decision", occurred_at=minutes(6))
    rollup_equals_rule()

    # The periodic refresh and the full rebuild find nothing to change.
    services.suggestions_refresh_open()
    rollup_equals_rule()
    assert services.suggestion_quotes_rebuild_all() == 0


def test_the_full_rebuild_repairs_a_rollup_gone_wrong(rep_a, v1, log_call):
    call = log_call(rep_a, v1, said=SAID, quote="Four days is about right")
    Suggestion.objects.update(quote_call_ids=[])
    assert services.suggestion_quotes_rebuild_all() == 1
    assert Suggestion.objects.get().quote_call_ids == [call.pk]


def test_the_inbox_reads_the_quotes_rollup_not_the_edits_and_says_how_fresh(
    client_for, marketer, rep_a, v1, log_call
):
    log_call(rep_a, v1, said=SAID, quote="Four days is about right")
    suggestion = Suggestion.objects.get()
    preferences_save(user=marketer, time_zone="Asia/Tokyo")
    client = client_for(marketer)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("feedback:suggestion_inbox")).content.decode()
    assert "Four days is about right" in page
    assert not [q["sql"] for q in captured.captured_queries if "feedback_passageedit" in q["sql"]]
    in_tokyo = suggestion.updated_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'Figures as of <time datetime="{in_tokyo.isoformat()}">' in page
    assert f">{in_tokyo.day} {in_tokyo:%b %Y %H:%M}</time>" in page
    # What the page shows is the rollup: emptied, the card has no quote.
    Suggestion.objects.update(quote_call_ids=[])
    assert (
        "Four days is about right"
        not in client.get(reverse("feedback:suggestion_inbox")).content.decode()
    )


@pytest.mark.parametrize("with_filter", [False, True])
def test_a_salesperson_sees_only_their_teams_quotes_on_a_card(
    rep_a, rep_b, v1, log_call, with_filter
):
    # The rollup holds every team's quotes; someone who may read only their team's
    # gets the rule computed over the calls they may read (leads.policies).
    log_call(rep_a, v1, said=SAID, quote="Team A words", occurred_at=WHEN)
    log_call(rep_b, v1, said=SAID, quote="Team B words", occurred_at=WHEN + timedelta(minutes=1))
    suggestion = Suggestion.objects.get()
    selectors.decorate_suggestions([suggestion], user=rep_a if with_filter else None)
    quotes = [call.quote for call in suggestion.quotes]
    assert quotes == (["Team A words"] if with_filter else ["Team B words", "Team A words"])
