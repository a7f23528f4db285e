"""A draft has a size cap, refused with a clear message; an accepted change is applied
to exactly its words of the draft, by passage key."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from messaging import services
from messaging.merge import MergeConflict
from messaging.passages import MAX_DRAFT_CHARS, MAX_DRAFT_PASSAGES, tokens
from tests.support.messaging_factories import draft, make_message, publish

PARAGRAPH = (
    "Finance teams lose four days a month reconciling spreadsheets. "
    "Most of that time goes on matching bank lines by hand."
)
BODY = f"# Close faster\n\n{PARAGRAPH}\n\nBook a walkthrough."


@pytest.fixture
def published(marketer):
    """v1, live."""
    return publish(make_message(marketer, body=BODY), marketer)


def test_a_too_long_draft_is_refused_on_the_editor_with_the_typed_text_kept(
    client_for, marketer, published
):
    v2 = services.draft_create(message=published.message, user=marketer)
    too_long = "word " * (MAX_DRAFT_CHARS // 5 + 10)
    response = client_for(marketer).post(
        reverse("messaging:draft_edit", args=[published.message_id]),
        {"body": too_long, "revision": v2.revision, "base_body": v2.body},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "a message can have at most 500,000" in html
    assert too_long[:200] in html  # the typed text is still in the editor
    assert draft(published.message).body == BODY  # and the stored draft is as it was


def test_a_draft_with_too_many_paragraphs_is_refused_by_the_service(marketer, published):
    v2 = services.draft_create(message=published.message, user=marketer)
    body = "\n\n".join(f"Line {n}." for n in range(MAX_DRAFT_PASSAGES + 1))
    with pytest.raises(ValidationError, match="paragraphs, headings and list items"):
        services.draft_save(version=v2, user=marketer, body=body, revision=v2.revision)
    services.draft_discard(version=v2, user=marketer)
    with pytest.raises(ValidationError, match="at most"):
        services.draft_create(message=published.message, user=marketer, body=body)


def _replace(v, words, replacement):
    passage = v.passages.get(position=1)
    toks = tokens(passage.text)
    text = passage.text
    start_char = text.index(words)
    start = len(tokens(text[:start_char]))
    end = start + len(tokens(words))
    assert "".join(toks[start:end]) == words
    return {
        "kind": "replace", "passage_key": passage.key, "after_key": None,
        "span_start": start, "span_end": end, "original": words,
        "replacement": replacement, "base_text": passage.text,
    }  # fmt: skip


def test_two_changes_to_one_paragraph_both_land(marketer, published):
    v2 = services.draft_create(message=published.message, user=marketer)
    first = _replace(published, "four days", "nearly a week")
    second = _replace(published, "by hand", "in Excel")
    v2 = services.draft_change_apply(
        version=v2, user=marketer, expected_revision=v2.revision, **first
    )
    v2 = services.draft_change_apply(
        version=v2, user=marketer, expected_revision=v2.revision, **second
    )
    assert "lose nearly a week a month" in v2.body
    assert "bank lines in Excel." in v2.body
    assert v2.body.startswith("# Close faster\n\n") and v2.body.endswith("Book a walkthrough.")


def test_a_change_to_words_the_marketer_rewrote_is_a_conflict_and_changes_nothing(
    marketer, published
):
    v2 = services.draft_create(message=published.message, user=marketer)
    body = BODY.replace("by hand", "with a ruler")
    v2 = services.draft_save(version=v2, user=marketer, body=body, revision=v2.revision)
    with pytest.raises(MergeConflict) as conflict:
        services.draft_change_apply(
            version=v2, user=marketer, expected_revision=v2.revision,
            **_replace(published, "by hand", "in Excel"),
        )  # fmt: skip
    assert "with a ruler" in conflict.value.draft
    assert "by hand" in conflict.value.base and "in Excel" in conflict.value.suggested
    assert draft(published.message).body == body


def test_an_added_paragraph_goes_after_the_one_it_followed(marketer, published):
    v2 = services.draft_create(message=published.message, user=marketer)
    key = published.passages.get(position=1).key
    v2 = services.draft_change_apply(
        version=v2, user=marketer, expected_revision=v2.revision, kind="insert",
        passage_key=None, after_key=key, span_start=0, span_end=0, original="",
        replacement="Ask who owns the close calendar.", base_text="",
    )  # fmt: skip
    assert v2.body == BODY.replace(
        "by hand.\n\n", "by hand.\n\nAsk who owns the close calendar.\n\n"
    )
    assert [p.text for p in v2.passages.order_by("position")][2] == (
        "Ask who owns the close calendar."
    )
