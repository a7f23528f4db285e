"""The interval math against published values: Newcombe (1998), Statistics in Medicine
17, "Two-sided confidence intervals for the single proportion" (Wilson, method 3) and
"Interval estimation for the difference between independent proportions" (method 10)."""

import pytest

from insight.stats import Comparison, newcombe_interval, wilson_interval


@pytest.mark.parametrize(
    "k, n, low, high",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_newcombe_table(k, n, low, high):
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(
    "k1, n1, k2, n2, low, high",
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090),
     (6, 7, 2, 7, 0.0582, 0.8062), (5, 56, 0, 29, -0.0381, 0.1926)],
)  # fmt: skip
def test_newcombe_difference_interval_matches_published_values(k1, n1, k2, n2, low, high):
    assert newcombe_interval(k1, n1, k2, n2) == pytest.approx((low, high), abs=5e-5)


def test_no_trials_is_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_verdicts_in_words():
    assert Comparison(56, 70, 48, 80).verdict == "Better, beyond chance."
    assert Comparison(48, 80, 56, 70).verdict == "Worse, beyond chance."
    assert Comparison(40, 80, 38, 80).verdict == "No clear difference yet."
    small = Comparison(9, 10, 3, 10)
    assert small.too_small and small.verdict.startswith("Too few to tell (10 vs 10)")
    assert Comparison(3, 3, 0, 0).verdict == "No data on one side yet."
    assert Comparison(3, 3, 0, 0).interval is None
