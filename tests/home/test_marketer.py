"""Maria (marketing) opens the portal and sees what sales told her since last week."""

from datetime import timedelta
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from feedback.models import CallLog, Suggestion
from home import selectors
from tests.feedback.conftest import SAID
from tests.support.messaging_factories import make_message, publish


def home_page(client_for, user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_suggestion_is_on_the_marketers_home_with_a_link_to_it(
    client_for, marketer, rep_a, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()

    page = home_page(client_for, marketer)

    assert 'data-role-home="marketing"' in page
    assert reverse("feedback:suggestion_detail", args=[suggestion.pk]) in page
    assert "Value proposition for CFOs" in page
    assert ">new<" in page


def test_an_old_suggestion_with_calls_this_week_is_rising_and_a_quiet_one_is_not(
    marketer, rep_a, rep_c, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    Suggestion.objects.filter(pk=suggestion.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    # Quiet: its only call is a month old.
    CallLog.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert selectors.marketer_attention(user=marketer).suggestion_count == 0

    log_call(rep_c, v1, said=SAID)  # joins the same suggestion this week
    attention = selectors.marketer_attention(user=marketer)

    assert [s.pk for s in attention.suggestions] == [suggestion.pk]
    assert attention.suggestions[0].is_new is False
    assert attention.suggestions[0].recent_calls == 1


def test_the_passage_reps_change_most_is_listed_with_its_share_of_calls(
    marketer, rep_a, rep_c, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    log_call(rep_c, v1, said=SAID)
    log_call(rep_c, v1)  # said as written

    [passage] = selectors.marketer_attention(user=marketer).passages

    assert passage.message_title == "Value proposition for CFOs"
    assert (passage.changed_calls, passage.version_calls) == (2, 3)
    assert passage.position == 2  # the paragraph after the heading
    assert passage.text.startswith("Finance teams lose four days")
    assert passage.url == (reverse("feedback:suggestion_inbox") + f"?message={v1.message_id}")


def test_this_weeks_disqualifications_are_counted_by_reason_with_the_reps_notes(
    client_for, marketer, rep_a, let_go, no_budget
):
    let_go(rep_a, note="Budget moved to the ERP project.")
    let_go(rep_a, note="No money before Q3.")

    page = home_page(client_for, marketer)

    assert "Budget moved to the ERP project." in page
    assert "No money before Q3." in page
    assert f"reason={no_budget.pk}" in page
    attention = selectors.marketer_attention(user=marketer)
    assert attention.disqualified_total == 2
    assert attention.disqualified_by_reason[0]["count"] == 2
    assert attention.disqualified_by_reason[0]["url"].startswith(
        reverse("insight:disqualifications") + "?"
    )


def test_a_note_a_rep_typed_is_shown_escaped(client_for, marketer, rep_a, let_go):
    let_go(rep_a, note="<script>alert(1)</script> said no")

    page = home_page(client_for, marketer)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_an_objection_heard_with_no_handler_is_listed(marketer, rep_a, v1, log_call):
    log_call(rep_a, v1, new_objection_names=["Too expensive"])

    gaps = selectors.marketer_attention(user=marketer).objection_gaps

    assert [tag.name for tag in gaps] == ["Too expensive"]
    assert gaps[0].url == reverse("feedback:objection_list")


@override_settings(CONTENT_REVIEW_DAYS=30)
def test_live_content_older_than_the_review_period_is_due_for_review(marketer):
    # Published 31 days ago (a published version's time is never rewritten afterwards).
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=31)):
        v1 = publish(make_message(marketer, body="# Old\n\nOld."), marketer)
    fresh = publish(make_message(marketer, title="ROI email"), marketer, body="# ROI\n\nNew.")

    attention = selectors.marketer_attention(user=marketer)

    assert [v.pk for v in attention.stale_versions] == [v1.pk]
    assert fresh.pk not in [v.pk for v in attention.stale_versions]
    assert attention.stale_versions[0].url == reverse(
        "messaging:message_detail", args=[v1.message_id]
    )


def test_a_quiet_week_says_what_good_looks_like(client_for, marketer):
    page = home_page(client_for, marketer)

    assert "Nothing new from sales" in page
    assert "Reps say the live versions as written" in page
    assert "No lead was let go" in page


def test_the_marketers_home_is_a_fixed_number_of_queries(
    home_queries, marketer, rep_a, rep_c, v1, log_call, let_go
):
    def add(start, n):
        for index in range(start, start + n):
            message = make_message(marketer, title=f"Message {index}", body=f"# M{index}\n\nText.")
            version = publish(message, marketer)
            log_call(rep_a if index % 2 else rep_c, version, said=f"# M{index}\n\nSaid {index}.",
                     new_objection_names=[f"Objection {index}"])  # fmt: skip
            let_go(rep_a, note=f"Note {index}")

    add(0, 1)
    few = home_queries(marketer)
    add(1, 8)
    assert home_queries(marketer) == few <= 16
