"""Word-level differences, and passage alignment between any two versions."""

from messaging.diff import compare_passages, word_diff
from messaging.passages import KeyedBlock


def test_a_rewritten_phrase_diffs_as_one_deletion_and_one_insertion():
    html = word_diff("An audit trail for every change", "An audit trail your auditors can open")
    assert html == "An audit trail <del>for every change</del><ins>your auditors can open</ins>"


def test_diffs_escape_the_text_they_wrap():
    assert "&lt;script&gt;" in word_diff("a", "a <script>")


def test_passages_align_by_key_with_removed_ones_in_their_old_place():
    old = [KeyedBlock("a", "heading", "# T"), KeyedBlock("b", "paragraph", "Gone"),
           KeyedBlock("c", "paragraph", "Same")]  # fmt: skip
    new = [KeyedBlock("a", "heading", "# Title"), KeyedBlock("c", "paragraph", "Same"),
           KeyedBlock("d", "paragraph", "New")]  # fmt: skip
    changes = compare_passages(old, new)
    assert [(c.key, c.status) for c in changes] == [
        ("a", "changed"), ("b", "removed"), ("c", "unchanged"), ("d", "added"),
    ]  # fmt: skip
