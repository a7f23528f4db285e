"""Suggestions are the changes reps made, not the paragraphs they touched: stories from
calls to an accepted draft."""

import pytest
from django.urls import reverse

from feedback import selectors, services
from feedback.models import PassageEdit, Suggestion
from messaging import services as messaging_services
from messaging.merge import MergeConflict
from tests.support.factories import make_salesperson
from tests.support.messaging_factories import make_message, publish

PARAGRAPH = (
    "Finance teams lose four days a month reconciling spreadsheets. "
    "Most of that time goes on matching bank lines by hand. "
    "Our automation matches them as they arrive."
)
BODY = f"# Close the books in half the time\n\n{PARAGRAPH}\n\nBook a 20-minute walkthrough."


@pytest.fixture
def v1(marketer):
    message = make_message(marketer, title="Long value proposition", body=BODY)
    return publish(message, marketer, summary="First version")


@pytest.fixture
def reps(team_a, rep_a, rep_b, rep_c):
    return [rep_a, rep_b, rep_c, make_salesperson("rep_d", team_a)]


def say(*pairs):
    text = BODY
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    return text


def open_suggestions():
    return list(Suggestion.objects.open().order_by("span_start", "pk"))


def test_different_sentences_of_one_paragraph_are_different_suggestions(rep_a, rep_b, v1, log_call):
    log_call(rep_a, v1, said=say(("four days a month", "nearly a week every month")))
    log_call(rep_b, v1, said=say(("as they arrive", "the moment each line lands")))
    first, third = open_suggestions()
    key = v1.passages.get(position=1).key
    assert first.passage_key == third.passage_key == key
    assert (first.kind, third.kind) == ("replace", "replace")
    assert (first.sentence, third.sentence) == (0, 2)
    selectors.decorate_suggestions([first, third])
    assert first.summary.startswith("1 salesperson changed the first sentence of paragraph 2")
    assert third.summary.startswith("1 salesperson changed the third sentence of paragraph 2")


def test_the_same_change_in_near_words_is_one_suggestion_with_its_variants(
    reps, v1, log_call, client_for, marketer
):
    rep_a, rep_b, rep_c, rep_d = reps
    log_call(rep_a, v1, said=say(("by hand", "in Excel")), quote="We live in Excel.")
    log_call(rep_b, v1, said=say(("by hand", "in Excel")))
    log_call(rep_c, v1, said=say(("by hand", "in excel")), reaction=2, outcome="not_now")
    log_call(rep_d, v1, said=say(("by hand", "manually in Excel")))
    [suggestion] = Suggestion.objects.all()
    assert (suggestion.call_count, suggestion.rep_count) == (4, 4)
    best, other = suggestion.variants.all()
    # "in Excel" and "in excel" are one wording (case), used by three reps.
    assert (best.wording.strip(), best.rep_count, best.call_count) == ("in Excel", 3, 3)
    assert (other.wording.strip(), other.rep_count) == ("manually in Excel", 1)
    assert best.with_positive == pytest.approx(2 / 3) and other.with_positive == 1.0
    page = client_for(marketer).get(reverse("feedback:suggestion_detail", args=[suggestion.pk]))
    html = page.content.decode()
    assert html.count('name="variant"') == 2
    assert "4 salespeople changed the second sentence of paragraph 2 in a similar way" in html
    assert "We live in Excel." in html and "Not now: 1" in html


def test_a_heavy_rewrite_is_a_rewrite_and_accepting_it_replaces_the_paragraph(
    rep_a, rep_b, v1, marketer, log_call
):
    new = "Ask how many entities they consolidate and who owns the close calendar."
    log_call(rep_a, v1, said=say((PARAGRAPH, new)))
    log_call(rep_b, v1, said=say((PARAGRAPH, new.replace("who owns", "who runs"))))
    [suggestion] = Suggestion.objects.all()
    assert suggestion.kind == "rewrite" and suggestion.rep_count == 2
    assert not PassageEdit.objects.filter(kind__in=["remove", "insert"]).exists()
    draft = services.suggestion_accept(suggestion=suggestion, user=marketer)
    assert PARAGRAPH not in draft.body
    assert draft.body.count("Ask how many entities") == 1
    assert draft.body.endswith("Book a 20-minute walkthrough.")


def test_an_added_paragraph_is_a_suggestion_and_lands_where_the_reps_put_it(
    rep_a, rep_b, v1, marketer, log_call
):
    added = "Ask who signs off the close."
    log_call(rep_a, v1, said=say((PARAGRAPH, f"{PARAGRAPH}\n\n{added}")))
    log_call(rep_b, v1, said=say((PARAGRAPH, f"{PARAGRAPH}\n\nAsk who signs off the month end.")))
    [suggestion] = Suggestion.objects.all()
    assert suggestion.kind == "insert"
    assert suggestion.after_key == v1.passages.get(position=1).key
    assert suggestion.rep_count == 2
    selectors.decorate_suggestions([suggestion])
    assert suggestion.summary.startswith("2 salespeople added a paragraph after paragraph 2")
    draft = services.suggestion_accept(suggestion=suggestion, user=marketer)
    texts = [p.text for p in draft.passages.order_by("position")]
    assert texts[1] == PARAGRAPH and texts[2].startswith("Ask who signs off")
    assert texts[3] == "Book a 20-minute walkthrough."


def test_two_accepted_suggestions_on_one_paragraph_both_land(rep_a, rep_b, v1, marketer, log_call):
    log_call(rep_a, v1, said=say(("four days a month", "nearly a week every month")))
    log_call(rep_b, v1, said=say(("by hand", "in Excel")))
    first, second = open_suggestions()
    services.suggestion_accept(suggestion=first, user=marketer)
    draft = services.suggestion_accept(suggestion=second, user=marketer)
    assert "lose nearly a week every month reconciling" in draft.body
    assert "matching bank lines in Excel." in draft.body
    assert draft.number == 2
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"accepted"}
    assert {s.accepted_into_id for s in Suggestion.objects.all()} == {draft.pk}


def test_a_conflicting_accept_is_refused_with_the_conflict_shown(
    rep_a, v1, marketer, log_call, client_for
):
    log_call(rep_a, v1, said=say(("by hand", "in Excel")))
    [suggestion] = Suggestion.objects.all()
    draft = messaging_services.draft_create(message=v1.message, user=marketer)
    edited = BODY.replace("by hand", "with a ruler")
    messaging_services.draft_save(
        version=draft, user=marketer, body=edited, revision=draft.revision
    )
    with pytest.raises(MergeConflict):
        services.suggestion_accept(suggestion=suggestion, user=marketer)
    response = client_for(marketer).post(
        reverse("feedback:suggestion_accept", args=[suggestion.pk])
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not accepted: the draft changed these words" in html
    assert "with a ruler" in html and "[by hand]" in html and "[in Excel]" in html
    suggestion.refresh_from_db()
    assert suggestion.status == "open"
    assert v1.message.versions.get(status="draft").body == edited  # nothing lost


def test_picking_a_variant_lands_that_wording(reps, v1, marketer, log_call, client_for):
    rep_a, rep_b, rep_c, _rep_d = reps
    log_call(rep_a, v1, said=say(("by hand", "in Excel")))
    log_call(rep_b, v1, said=say(("by hand", "in Excel")))
    log_call(rep_c, v1, said=say(("by hand", "manually in Excel")))
    [suggestion] = Suggestion.objects.all()
    best, other = suggestion.variants.all()
    response = client_for(marketer).post(
        reverse("feedback:suggestion_accept", args=[suggestion.pk]),
        # The box is sent back as it was prefilled: the picked variant's wording is used.
        {"variant": other.pk, "wording": "in Excel", "prefilled": "in Excel"},
    )
    assert response.status_code == 302
    draft = v1.message.versions.get(status="draft")
    assert "matching bank lines manually in Excel." in draft.body
    suggestion.refresh_from_db()
    assert suggestion.accepted_variant == other


def test_an_edited_wording_is_what_lands(rep_a, v1, marketer, log_call, client_for):
    log_call(rep_a, v1, said=say(("by hand", "in Excel")))
    [suggestion] = Suggestion.objects.all()
    [variant] = suggestion.variants.all()
    response = client_for(marketer).post(
        reverse("feedback:suggestion_accept", args=[suggestion.pk]),
        {"variant": variant.pk, "wording": "in spreadsheets", "prefilled": "in Excel"},
    )
    assert response.status_code == 302
    draft = v1.message.versions.get(status="draft")
    assert "matching bank lines in spreadsheets. Our automation" in draft.body
    suggestion.refresh_from_db()
    assert suggestion.accepted_text == " in spreadsheets"


def test_a_variant_of_another_suggestion_is_refused(
    rep_a, rep_b, v1, marketer, log_call, client_for
):
    log_call(rep_a, v1, said=say(("four days a month", "nearly a week every month")))
    log_call(rep_b, v1, said=say(("by hand", "in Excel")))
    first, second = open_suggestions()
    response = client_for(marketer).post(
        reverse("feedback:suggestion_accept", args=[first.pk]),
        {"variant": second.variants.get().pk, "wording": ""},
    )
    assert response.status_code == 400
    first.refresh_from_db()
    assert first.status == "open"


def test_the_inbox_says_what_changed_where_and_how_the_calls_went(
    rep_a, rep_b, v1, marketer, log_call, client_for
):
    log_call(rep_a, v1, said=say(("by hand", "in Excel")), reaction=5)
    log_call(rep_b, v1, said=say(("by hand", "in Excel")), reaction=5)
    log_call(rep_a, v1, reaction=2, outcome="not_interested")
    html = client_for(marketer).get(reverse("feedback:suggestion_inbox")).content.decode()
    assert (
        "2 salespeople changed the second sentence of paragraph 2 in a similar way (2 calls); "
        "calls that used the change were more positive and won as often."
    ) in html


def test_the_suggestion_page_reads_in_fixed_queries(
    reps, v1, marketer, log_call, client_for, django_assert_max_num_queries
):
    client = client_for(marketer)
    log_call(reps[0], v1, said=say(("by hand", "in Excel")))
    suggestion = Suggestion.objects.get()
    url = reverse("feedback:suggestion_detail", args=[suggestion.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as small:
        client.get(url)
    small_count = len(small.captured_queries)
    for rep in reps[1:]:
        log_call(rep, v1, said=say(("by hand", "manually in Excel")), quote="Yes.")
    client.get(url)  # warm again: the calls' notifications dropped the cached unread count
    with django_assert_max_num_queries(small_count):
        assert client.get(url).status_code == 200
