"""The engine's pure rules, without a database: the evidence formula and the matching."""

import pytest

from feedback.evidence import rate, suggestion_evidence
from feedback.matching import closest_wording, medoid


def test_evidence_compares_the_calls_with_the_change_against_the_rest_of_the_version():
    # 4 calls made the change (3 reps; 3 positive, 1 won); the version had 10 calls in
    # all (5 positive, 2 won), so "without" is 6 calls, 2 positive, 1 won.
    evidence = suggestion_evidence(
        calls=4, reps=3, positive=3, wins=1, version_calls=10, version_positive=5, version_wins=2
    )
    assert (evidence.call_count, evidence.rep_count, evidence.without_count) == (4, 3, 6)
    assert evidence.with_positive == pytest.approx(0.75)
    assert evidence.with_wins == pytest.approx(0.25)
    assert evidence.without_positive == pytest.approx(2 / 6)
    assert evidence.without_wins == pytest.approx(1 / 6)
    # calls + 2 x reps + 10 x lift
    assert evidence.score == pytest.approx(4 + 6 + 10 * (0.75 - 2 / 6))


def test_a_negative_lift_never_sinks_a_suggestion_below_its_support():
    evidence = suggestion_evidence(
        calls=2, reps=2, positive=0, wins=0, version_calls=4, version_positive=2, version_wins=0
    )
    assert evidence.score == 2 + 2 * 2


def test_no_calls_means_no_rate_rather_than_zero_percent():
    evidence = suggestion_evidence(
        calls=3, reps=1, positive=3, wins=0, version_calls=3, version_positive=3, version_wins=0
    )
    assert evidence.without_count == 0
    assert evidence.without_positive is None and evidence.without_wins is None
    # a missing share counts as 0 in the lift
    assert evidence.score == 3 + 2 + 10 * 1.0
    assert rate(0, 0) is None and rate(1, 4) == 0.25


def test_evidence_fields_are_named_as_on_the_suggestion():
    evidence = suggestion_evidence(
        calls=1, reps=1, positive=1, wins=1, version_calls=1, version_positive=1, version_wins=1
    )
    assert set(evidence.fields()) == {
        "call_count", "rep_count", "with_positive", "with_wins", "without_count",
        "without_positive", "without_wins", "score",
    }  # fmt: skip


def test_a_wording_joins_the_most_similar_candidate_above_the_threshold():
    candidates = [
        "Ask who owns the close calendar.",
        "Your finance team loses four days every month reconciling spreadsheets.",
        "Your finance team loses four days each month reconciling spreadsheets.",
    ]
    wording = "Your finance team loses four days each month reconciling spreadsheets by hand."
    assert closest_wording(wording, candidates) == 2
    assert closest_wording("Something else entirely, about pricing.", candidates) is None
    assert closest_wording(wording, []) is None


def test_markdown_markers_and_spacing_do_not_make_wordings_different():
    assert closest_wording("- Book   a walkthrough", ["Book a walkthrough"]) == 0


def test_the_medoid_is_the_wording_most_like_the_others():
    texts = ["Call us today, please.", "Call us.", "Call us today."]
    assert medoid(texts) == "Call us today."
    assert medoid(["newest", "oldest"]) == "oldest"
