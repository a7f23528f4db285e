"""The arithmetic of field experiments: leads split evenly and stably, and the calls a
test needs (no database)."""

from collections import Counter

import pytest

from messaging.arms import CHALLENGER, CONTROL, arm_for, sample_size_per_arm


def test_a_fixed_seed_splits_a_thousand_leads_evenly():
    arms = Counter(arm_for(7, 424242, lead_id) for lead_id in range(1, 1001))
    assert set(arms) == {CONTROL, CHALLENGER}
    assert abs(arms[CONTROL] - 500) <= 25  # within ±5% of an even split


def test_a_lead_keeps_its_arm_and_another_experiment_reshuffles():
    first = [arm_for(7, 424242, lead_id) for lead_id in range(1, 201)]
    again = [arm_for(7, 424242, lead_id) for lead_id in range(1, 201)]
    other = [arm_for(8, 424242, lead_id) for lead_id in range(1, 201)]
    assert first == again
    assert first != other


def test_the_sample_size_matches_the_textbook_figure():
    # 50% -> 60%, two-sided 5%, 80% power: the classic 388 per group (by hand:
    # (1.95996 * sqrt(2 * .55 * .45) + 0.84162 * sqrt(.25 + .24))² / .1² = 387.3).
    assert sample_size_per_arm(baseline=0.5, min_effect=0.1) == 388
    # A smaller effect needs many more calls: a quarter of the effect, ~16 times the n.
    assert sample_size_per_arm(baseline=0.5, min_effect=0.025) > 15 * 388


@pytest.mark.parametrize(("baseline", "effect"), [(0.0, 0.1), (0.95, 0.1), (0.5, 0.0)])
def test_an_impossible_plan_is_refused(baseline, effect):
    with pytest.raises(ValueError):
        sample_size_per_arm(baseline=baseline, min_effect=effect)
