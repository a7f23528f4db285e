"""A rep's wording becomes changes: spans of passages, rewrites, removals, insertions."""

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.changes import INSERT, REMOVE, REPLACE, REWRITE, changes_for
from messaging.merge import apply_changes
from messaging.passages import assign_keys, comparison_form, split_passages, tokens

FIRST = (
    "Finance teams lose four days a month reconciling spreadsheets. "
    "Most of that time goes on matching bank lines by hand. "
    "Our platform does the matching for you."
)
BODY = f"# Close faster\n\n{FIRST}\n\nBook a 20-minute walkthrough."


def version(body=BODY):
    return assign_keys(split_passages(body), [])


def test_an_unchanged_text_gives_no_changes():
    assert changes_for(version(), BODY) == []


def test_white_space_and_case_only_edits_are_no_changes():
    edited = BODY.replace("four days", "FOUR   days").replace("\n\nBook", "\n\n\n\nbook")
    assert changes_for(version(), edited) == []


def test_a_phrase_replaced_is_one_span_on_the_version_passage():
    v = version()
    [change] = changes_for(v, BODY.replace("four days a month", "nearly four days every month"))
    assert change.kind == REPLACE
    assert change.passage_key == v[1].key
    assert change.sentence == 0
    assert "".join(tokens(v[1].text)[change.span_start : change.span_end]) == change.original
    assert change.original.strip() == "four days a"
    assert change.replacement.strip() == "nearly four days every"


def test_changes_to_two_sentences_of_one_paragraph_are_two_spans():
    edited = BODY.replace("four days", "a week").replace("by hand", "in Excel")
    changes = changes_for(version(), edited)
    assert [c.kind for c in changes] == [REPLACE, REPLACE]
    assert [c.sentence for c in changes] == [0, 1]
    assert changes[0].span_end <= changes[1].span_start


def test_a_sentence_mostly_reworded_is_replaced_whole():
    edited = BODY.replace(
        "Most of that time goes on matching bank lines by hand.", "Half is typing."
    )
    [change] = changes_for(version(), edited)
    assert change.original.strip() == "Most of that time goes on matching bank lines by hand."
    assert change.replacement.strip() == "Half is typing."


def test_a_heavy_rewrite_is_a_rewrite_not_a_removal():
    v = version()
    rewritten = "Ask any controller: close week is misery, and we end it with automatic matching."
    [change] = changes_for(v, BODY.replace(FIRST, rewritten))
    assert change.kind == REWRITE
    assert change.passage_key == v[1].key
    assert change.original == FIRST
    assert change.replacement == rewritten


def test_a_passage_left_out_is_a_removal():
    v = version()
    [change] = changes_for(v, BODY.replace("\n\nBook a 20-minute walkthrough.", ""))
    assert (change.kind, change.passage_key) == (REMOVE, v[2].key)


def test_an_added_paragraph_is_an_insertion_after_its_neighbour():
    v = version()
    edited = BODY.replace("\n\nBook", "\n\nNo credit card needed.\n\nBook")
    [change] = changes_for(v, edited)
    assert change.kind == INSERT
    assert change.after_key == v[1].key
    assert change.passage_key is None
    assert change.replacement == "No credit card needed."


def test_a_paragraph_added_at_the_top_is_an_insertion_at_the_start():
    [change] = changes_for(version(), "Hello Dana,\n\n" + BODY)
    assert (change.kind, change.after_key) == (INSERT, None)


def test_a_paragraph_replaced_in_place_and_another_added_keeps_the_closest_pairing():
    v = version()
    edited = BODY.replace(FIRST, FIRST.replace("four", "five") + "\n\nSomething entirely new.")
    changes = changes_for(v, edited)
    assert [c.kind for c in changes] == [REPLACE, INSERT]
    assert changes[1].after_key == v[1].key


WORDS = st.sampled_from(
    ["alpha", "beta", "gamma", "delta", "close", "month", "bank", "cash", "team", "day"]
)
SENTENCE = st.lists(WORDS, min_size=2, max_size=8).map(lambda w: " ".join(w).capitalize() + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(PARAGRAPH, min_size=1, max_size=6),
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["keep", "edit", "drop", "add"]), PARAGRAPH),
        max_size=4,
    ),
)
def test_applying_a_calls_own_changes_to_its_version_gives_the_wording_used(paragraphs, edits):
    v = version("\n\n".join(paragraphs))
    edited = list(paragraphs)
    for index, action, text in edits:
        at = index % (len(edited) + 1)
        if action == "add":
            edited.insert(at, text)
        elif edited and at < len(edited):
            if action == "edit":
                words = edited[at].split()
                words[len(words) // 2] = text.split()[0].lower()
                edited[at] = " ".join(words)
            elif action == "drop":
                del edited[at]
    changes = changes_for(v, "\n\n".join(edited))
    result = apply_changes([(b.key, b.text) for b in v], changes)
    assert [comparison_form(t) for _k, t in result] == [comparison_form(t) for t in edited]
