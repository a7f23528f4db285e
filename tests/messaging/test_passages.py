"""Passages keep their identity across versions: the rule feedback relies on."""

from messaging.passages import KeyedBlock, assign_keys, normalise, split_passages

BODY = """# Cut month-end close by half

Finance teams lose four days a month reconciling spreadsheets.

- Automated bank matching
- Approvals in one place
- Audit trail for every change

> "We closed in two days." — a customer CFO

Book a 20-minute walkthrough.
"""


def keyed(body, previous=()):
    return assign_keys(split_passages(body), list(previous))


def keys_by_text(blocks):
    return {normalise(b.text): b.key for b in blocks}


def test_a_body_splits_into_headings_paragraphs_list_items_and_quotes():
    blocks = split_passages(BODY)
    assert [b.kind for b in blocks] == [
        "heading", "paragraph", "list_item", "list_item", "list_item", "quote", "paragraph",
    ]  # fmt: skip
    assert blocks[0].text == "# Cut month-end close by half"
    assert blocks[3].text == "- Approvals in one place"


def test_nested_lists_stay_inside_their_item_and_code_is_one_passage():
    body = "- parent\n  - child one\n  - child two\n- sibling\n\n```\nx = 1\n\ny = 2\n```\n"
    blocks = split_passages(body)
    assert [b.kind for b in blocks] == ["list_item", "list_item", "code"]
    assert "child two" in blocks[0].text
    assert "y = 2" in blocks[2].text


def test_unchanged_passages_keep_their_keys():
    v1 = keyed(BODY)
    v2 = keyed(BODY, v1)
    assert [b.key for b in v2] == [b.key for b in v1]
    assert len({b.key for b in v1}) == len(v1)


def test_a_small_edit_keeps_the_key():
    v1 = keyed(BODY)
    edited = BODY.replace("lose four days a month", "lose nearly four days every month")
    v2 = keyed(edited, v1)
    assert v2[1].key == v1[1].key
    assert v2[1].text != v1[1].text


def test_an_insertion_gets_a_new_key_and_shifts_nothing_else():
    v1 = keyed(BODY)
    inserted = BODY.replace("- Audit trail", "- Works with your ERP\n- Audit trail")
    v2 = keyed(inserted, v1)
    old = keys_by_text(v1)
    new = keys_by_text(v2)
    assert new["Works with your ERP"] not in old.values()
    for text, key in old.items():
        assert new[text] == key


def test_a_moved_passage_keeps_its_key():
    v1 = keyed(BODY)
    moved = BODY.replace("Book a 20-minute walkthrough.\n", "").replace(
        "# Cut month-end close by half\n",
        "# Cut month-end close by half\n\nBook a 20-minute walkthrough.\n",
    )
    v2 = keyed(moved, v1)
    assert v2[1].text == "Book a 20-minute walkthrough."
    assert v2[1].key == v1[-1].key


def test_a_deleted_passage_is_gone_and_the_rest_keep_their_keys():
    v1 = keyed(BODY)
    deleted = BODY.replace("- Approvals in one place\n", "")
    v2 = keyed(deleted, v1)
    gone = v1[3].key
    assert gone not in {b.key for b in v2}
    assert {b.key for b in v2} == {b.key for b in v1} - {gone}


def test_a_rewrite_beyond_recognition_is_a_new_passage():
    v1 = keyed(BODY)
    rewritten = BODY.replace(
        "Finance teams lose four days a month reconciling spreadsheets.",
        "Our platform gives auditors live access with zero exports.",
    )
    v2 = keyed(rewritten, v1)
    assert v2[1].key != v1[1].key


def test_a_split_paragraph_gives_its_key_to_the_more_similar_half():
    v1 = keyed("Finance teams lose four days a month reconciling spreadsheets by hand.")
    v2 = keyed("Finance teams lose four days a month reconciling spreadsheets.\n\nBy hand.", v1)
    assert v2[0].key == v1[0].key
    assert v2[1].key != v1[0].key


def test_identical_duplicate_passages_pair_up_in_order():
    v1 = keyed("Call us.\n\nMiddle.\n\nCall us.")
    v2 = keyed("Call us.\n\nMiddle.\n\nCall us.", v1)
    assert [b.key for b in v2] == [b.key for b in v1]


def test_keys_can_follow_a_passage_across_many_versions():
    versions = [keyed(BODY)]
    text = BODY
    for word in ("nearly", "roughly", "about"):
        text = text.replace("lose ", f"lose {word} ", 1)
        versions.append(keyed(text, versions[-1]))
    assert len({v[1].key for v in versions}) == 1


def test_keyed_block_previous_can_come_from_stored_passages():
    previous = [KeyedBlock("abc12345", "paragraph", "Hello world.")]
    assert keyed("Hello world!", previous)[0].key == "abc12345"


def test_a_long_draft_is_keyed_in_bounded_time():
    import time

    paragraphs = [
        f"Paragraph {n} says something about close number {n * 7} and more." for n in range(3000)
    ]
    v1 = keyed("\n\n".join(paragraphs))
    edited = list(paragraphs)
    for n in range(0, 3000, 20):
        edited[n] = edited[n].replace("says something", "says quite something")
    started = time.perf_counter()
    v2 = keyed("\n\n".join(edited), v1)
    assert [b.key for b in v2] == [b.key for b in v1]
    assert time.perf_counter() - started < 5


def test_drafts_over_the_size_limits_are_refused_with_a_reason():
    import pytest

    from messaging.passages import MAX_DRAFT_CHARS, MAX_DRAFT_PASSAGES, check_draft_size

    check_draft_size(BODY)
    with pytest.raises(ValueError, match="characters long"):
        check_draft_size("x" * (MAX_DRAFT_CHARS + 1))
    with pytest.raises(ValueError, match="at most 5,000"):
        check_draft_size("\n\n".join(["a"] * (MAX_DRAFT_PASSAGES + 1)))
