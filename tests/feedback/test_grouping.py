"""Changes of many calls become suggestions: one per span and similar wording, with variants."""

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.changes import INSERT, REWRITE, changes_for
from feedback.grouping import (
    GROUP_SIMILARITY,
    VARIANT_SIMILARITY,
    ChangeInstance,
    group_changes,
    match_group,
    new_group,
    similarity,
)
from messaging.passages import assign_keys, split_passages

FIRST = (
    "Finance teams lose four days a month reconciling spreadsheets. "
    "Most of that time goes on matching bank lines by hand. "
    "Our platform does the matching for you."
)
BODY = f"# Close faster\n\n{FIRST}\n\nBook a 20-minute walkthrough."
V = assign_keys(split_passages(BODY), [])


def calls(*edits):
    """One ChangeInstance per change of each (call id, rep id, edited body)."""
    return [
        ChangeInstance(change, call_id, rep_id)
        for call_id, rep_id, body in edits
        for change in changes_for(V, body)
    ]


def edit(old, new):
    return BODY.replace(old, new)


def test_two_reps_changing_different_sentences_of_one_paragraph_give_two_suggestions():
    groups = group_changes(
        calls(
            (1, "ann", edit("four days a month", "a whole week every month")),
            (2, "bob", edit("matching bank lines by hand", "chasing receipts")),
        )
    )
    assert len(groups) == 2
    assert {g.passage_key for g in groups} == {V[1].key}
    assert {frozenset(g.rep_ids) for g in groups} == {frozenset({"ann"}), frozenset({"bob"})}


def test_the_same_change_in_near_words_is_one_suggestion_with_its_variants():
    groups = group_changes(
        calls(
            (1, "ann", edit("four days a month", "nearly four days every month")),
            (2, "bob", edit("four days a month", "nearly four days each month")),
            (3, "cat", edit("four days a month", "nearly four days every month")),
            (4, "ann", edit("four days a month", "nearly four days every month,")),
        )
    )
    [group] = groups
    assert group.rep_ids == {"ann", "bob", "cat"}
    assert [sorted(v.call_ids) for v in group.variants] == [[1, 3, 4], [2]]
    best = group.best
    assert best.rep_ids == {"ann", "cat"}
    assert best.change.replacement.strip() == "nearly four days every"


def test_a_phrase_and_the_whole_sentence_around_it_compare_like_with_like():
    groups = group_changes(
        calls(
            (1, "ann", edit("lose four days", "lose nearly four days")),
            (
                2,
                "bob",
                edit("Finance teams lose four days", "Finance teams often lose nearly four days"),
            ),
        )
    )
    assert len(groups) == 1
    assert len(groups[0].variants) == 2


def test_different_edits_of_one_phrase_in_unlike_words_are_different_suggestions():
    groups = group_changes(
        calls(
            (
                1,
                "ann",
                edit(
                    "reconciling spreadsheets",
                    "reconciling spreadsheets and chasing approvals from managers",
                ),
            ),
            (2, "bob", edit("reconciling spreadsheets", "on audits")),
        )
    )
    assert len(groups) == 2


def test_rewrites_of_one_paragraph_are_one_suggestion():
    groups = group_changes(
        calls(
            (1, "ann", edit(FIRST, "Close week is misery and we end it.")),
            (2, "bob", edit(FIRST, "Nobody enjoys close week; our customers close in two days.")),
        )
    )
    [group] = groups
    assert group.kind == REWRITE
    assert len(group.variants) == 2


def test_added_paragraphs_after_one_passage_in_similar_words_are_one_suggestion():
    groups = group_changes(
        calls(
            (1, "ann", edit("\n\nBook", "\n\nNo credit card needed.\n\nBook")),
            (2, "bob", edit("\n\nBook", "\n\nNo credit card is needed.\n\nBook")),
            (3, "cat", edit("\n\nBook", "\n\nWe integrate with SAP and Oracle.\n\nBook")),
        )
    )
    assert [(g.kind, g.after_key, len(g.rep_ids)) for g in groups] == [
        (INSERT, V[1].key, 2),
        (INSERT, V[1].key, 1),
    ]
    assert len(groups[0].variants) == 1  # near-identical wordings are one variant


def test_a_call_processed_twice_counts_once():
    instances = calls((1, "ann", edit("four days", "five days")))
    group = new_group(instances[0])
    assert match_group(instances[0].change, [group]) is group
    assert group.add(instances[0]) is False
    assert group.call_ids == {1}
    assert group.variants[0].call_ids == {1}


def test_a_new_call_joins_the_existing_suggestion_on_its_span():
    existing = group_changes(
        calls(
            (1, "ann", edit("four days", "five days")),
            (2, "bob", edit("by hand", "in Excel")),
        )
    )
    [new] = calls((3, "cat", edit("four days", "five full days")))
    found = match_group(new.change, existing)
    assert found is not None and "four" in found.original
    assert found.add(new) is True
    assert found.rep_ids == {"ann", "cat"}
    [unrelated] = calls((4, "dan", edit("Our platform", "Our software")))
    assert match_group(unrelated.change, existing) is None


def test_the_thresholds_hold_for_reordered_and_unlike_wordings():
    assert similarity("we closed in two days", "in two days we closed") == 100
    assert similarity("nearly four days", "on audits") < GROUP_SIMILARITY
    assert similarity("nearly four days every", "nearly four days every,") >= VARIANT_SIMILARITY
    long_a = "our customers close their books in two days because matching is automatic now"
    long_b = " ".join(reversed(long_a.split()))
    assert similarity(long_a, long_b) < 100  # long texts: order matters


PHRASES = st.sampled_from(
    [
        ("four days a month", "nearly four days every month"),
        ("four days a month", "nearly four days each month"),
        ("four days a month", "a week"),
        ("by hand", "in Excel"),
        ("by hand", "manually in Excel"),
        ("Our platform", "Our software"),
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(PHRASES, st.sampled_from(["ann", "bob", "cat"])), min_size=1, max_size=8),
    st.randoms(),
)
def test_grouping_does_not_depend_on_the_order_calls_arrive_in(edits, random):
    instances = calls(*[(n, rep, edit(*pair)) for n, (pair, rep) in enumerate(edits)])
    shuffled = list(instances)
    random.shuffle(shuffled)

    def shape(groups):
        return sorted(
            (
                g.key,
                g.span_start,
                g.span_end,
                sorted((v.wording, sorted(v.call_ids)) for v in g.variants),
            )
            for g in groups
        )

    assert shape(group_changes(instances)) == shape(group_changes(shuffled))
