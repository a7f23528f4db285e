"""Accepting a suggestion applies its change to the current draft, by passage key and span."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.changes import changes_for
from messaging.merge import MergeConflict, apply_change
from messaging.passages import assign_keys, split_passages

FIRST = (
    "Finance teams lose four days a month reconciling spreadsheets. "
    "Most of that time goes on matching bank lines by hand. "
    "Our platform does the matching for you."
)
BODY = f"# Close faster\n\n{FIRST}\n\nBook a 20-minute walkthrough."
V = assign_keys(split_passages(BODY), [])
DRAFT = [(b.key, b.text) for b in V]


def change(old, new):
    [found] = changes_for(V, BODY.replace(old, new))
    return found


def text_of(passages, index=1):
    return passages[index][1]


def test_two_accepts_on_one_paragraph_both_land():
    draft = apply_change(DRAFT, FIRST, change("four days a month", "nearly four days every month"))
    draft = apply_change(draft, FIRST, change("by hand", "in Excel"))
    assert text_of(draft) == FIRST.replace(
        "four days a month", "nearly four days every month"
    ).replace("by hand", "in Excel")
    assert [key for key, _t in draft] == [key for key, _t in DRAFT]


def test_an_accept_lands_in_a_paragraph_the_marketer_edited_elsewhere():
    draft = list(DRAFT)
    draft[1] = (draft[1][0], FIRST.replace("Our platform does", "Ledgerly does"))
    draft = apply_change(draft, FIRST, change("by hand", "in Excel"))
    assert text_of(draft).endswith(
        "matching bank lines in Excel. Ledgerly does the matching for you."
    )


def test_a_conflicting_accept_is_refused_with_the_conflict_shown():
    draft = apply_change(DRAFT, FIRST, change("four days a month", "a week"))
    with pytest.raises(MergeConflict) as refused:
        apply_change(draft, FIRST, change("four days a month", "five days a month"))
    message = str(refused.value)
    assert "changed the words this suggestion replaces" in message
    assert "lose [four] days a month" in refused.value.base
    assert "a week" in refused.value.draft
    assert "lose [five] days a month" in refused.value.suggested
    assert "The suggestion says" in message


def test_accepting_the_same_change_twice_changes_nothing_more():
    once = apply_change(DRAFT, FIRST, change("by hand", "in Excel"))
    assert apply_change(once, FIRST, change("by hand", "in Excel")) == once


def test_a_rewrite_replaces_the_paragraph_but_not_one_the_marketer_changed():
    rewrite = change(FIRST, "Close week is misery and we end it.")
    assert text_of(apply_change(DRAFT, FIRST, rewrite)) == "Close week is misery and we end it."
    edited = apply_change(DRAFT, FIRST, change("by hand", "in Excel"))
    with pytest.raises(MergeConflict, match="rewrite would overwrite"):
        apply_change(edited, FIRST, rewrite)


def test_an_insert_goes_right_after_its_passage_even_when_the_draft_moved_on():
    insert = change("\n\nBook", "\n\nNo credit card needed.\n\nBook")
    draft = [DRAFT[0], ("new1", "A marketer's new opening."), DRAFT[1], DRAFT[2]]
    result = apply_change(draft, None, insert)
    assert [t for _k, t in result][2:4] == [FIRST, "No credit card needed."]


def test_an_insert_at_the_start_and_after_a_gone_passage():
    [opening] = changes_for(V, "Hello Dana,\n\n" + BODY)
    assert apply_change(DRAFT, None, opening)[0][1] == "Hello Dana,"
    insert = change("\n\nBook", "\n\nNo credit card needed.\n\nBook")
    with pytest.raises(MergeConflict, match="no longer in the draft"):
        apply_change([DRAFT[0], DRAFT[2]], None, insert)


def test_a_removal_deletes_the_passage_unless_the_draft_changed_it():
    removal = change("\n\nBook a 20-minute walkthrough.", "")
    assert len(apply_change(DRAFT, None, removal)) == 2
    changed = [*DRAFT[:2], (DRAFT[2][0], "Book a 30-minute walkthrough.")]
    with pytest.raises(MergeConflict, match="throw that edit away"):
        apply_change(changed, None, removal)


def test_an_accept_on_a_passage_gone_from_the_draft_is_refused():
    with pytest.raises(MergeConflict, match="no longer has this passage"):
        apply_change([DRAFT[0], DRAFT[2]], FIRST, change("by hand", "in Excel"))


WORD = st.sampled_from(["close", "bank", "cash", "team", "month", "day", "match", "the"])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORD, min_size=12, max_size=30), st.data())
def test_two_accepts_on_different_words_land_in_either_order(words, data):
    first = data.draw(st.integers(0, len(words) - 6))
    second = data.draw(st.integers(first + 4, len(words) - 1))
    text = " ".join(words).capitalize() + "."
    version = assign_keys(split_passages(text), [])
    base = [(b.key, b.text) for b in version]

    def replaced(index, word):
        edited = list(words)
        edited[index] = word
        return " ".join(edited).capitalize() + "."

    [one] = changes_for(version, replaced(first, "zephyr"))
    [two] = changes_for(version, replaced(second, "quasar"))
    both = list(words)
    both[first], both[second] = "zephyr", "quasar"
    expected = " ".join(both).capitalize() + "."
    for a, b in ((one, two), (two, one)):
        result = apply_change(apply_change(base, None, a), None, b)
        assert result[0][1].casefold() == expected.casefold()
