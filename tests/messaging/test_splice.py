"""Editing one passage in place, by position: pure, no database."""

import pytest

from messaging.passages import split_passages
from messaging.splice import PassageNotFound, passage_splice

BODY = "# Title\n\nBook a demo.\n\nWe save you four days.\n\nBook a demo."


def texts(body):
    return [block.text for block in split_passages(body)]


def test_the_second_of_two_identical_paragraphs_is_the_one_replaced():
    result = passage_splice(BODY, texts(BODY), 3, "Book a 20-minute demo.")
    assert result == "# Title\n\nBook a demo.\n\nWe save you four days.\n\nBook a 20-minute demo."


def test_the_first_copy_is_replaced_when_it_is_the_one_meant():
    result = passage_splice(BODY, texts(BODY), 1, "Book a 20-minute demo.")
    assert result == "# Title\n\nBook a 20-minute demo.\n\nWe save you four days.\n\nBook a demo."


def test_a_passage_inside_another_is_not_mistaken_for_it():
    body = "Book a demo. Or call us.\n\nBook a demo."
    assert (
        passage_splice(body, texts(body), 1, "Call us.") == "Book a demo. Or call us.\n\nCall us."
    )


def test_removing_a_passage_leaves_one_blank_line_between_blocks():
    assert passage_splice(BODY, texts(BODY), 2, "") == "# Title\n\nBook a demo.\n\nBook a demo."


def test_a_list_item_is_replaced_with_its_marker():
    body = "Why us:\n\n- fast\n- cheap\n- fast"
    result = passage_splice(body, texts(body), 3, "- faster")
    assert result == "Why us:\n\n- fast\n- cheap\n- faster"


def test_a_passage_missing_from_the_body_is_refused():
    with pytest.raises(PassageNotFound):
        passage_splice("Other text.", ["Gone."], 0, "New.")
