"""Field experiments, the arithmetic: which arm a lead is in, and how many calls a test needs.

Pure functions, no database (tested without one).

Assignment. A lead's arm is decided by a hash, not a stored coin toss:

1. Take the text "<seed>:<experiment id>:<lead id>" and its SHA-256 digest.
2. Read the first 8 bytes as an unsigned integer; even is the control, odd the challenger.

So a lead is in the same arm on every page and every day of the experiment (stable), two
experiments with different ids or seeds shuffle leads independently, and nothing needs
writing when a lead first appears. SHA-256's output bits are uniform for practical
purposes, so the two arms are even (a test checks 1,000 leads split within 5%).

Sample size. The plan is fixed before the first call is counted: the number of calls
per arm needed to detect a difference of `min_effect` in the positive-reaction rate
(from `baseline` to `baseline + min_effect`) with a two-sided test at `alpha` and the
given `power`, by the usual normal-approximation formula for two proportions:

    n = (z(1 - alpha/2) * sqrt(2 * p̄ * (1 - p̄)) + z(power) * sqrt(p1(1-p1) + p2(1-p2)))²
        / (p2 - p1)²,   p̄ = (p1 + p2) / 2, rounded up.

Fixing n (and an end date) up front is the stopping rule: looking at a p-value every
day and stopping on the first good one finds "winners" that are noise.
"""

import hashlib
import math
from statistics import NormalDist

CONTROL = "control"
CHALLENGER = "challenger"


def arm_for(experiment_id: int, seed: int, lead_id: int) -> str:
    """CONTROL or CHALLENGER for this lead in this experiment, the same every time."""
    digest = hashlib.sha256(f"{seed}:{experiment_id}:{lead_id}".encode()).digest()
    return CONTROL if int.from_bytes(digest[:8], "big") % 2 == 0 else CHALLENGER


def sample_size_per_arm(
    *, baseline: float, min_effect: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Calls per arm to detect `baseline` -> `baseline + min_effect` (see module doc)."""
    p1 = baseline
    p2 = baseline + min_effect
    if not (0 < p1 < 1 and 0 < p2 < 1) or min_effect == 0:
        raise ValueError("The baseline and baseline + effect must both lie strictly in 0..1.")
    normal = NormalDist()
    z_alpha = normal.inv_cdf(1 - alpha / 2)
    z_power = normal.inv_cdf(power)
    mean = (p1 + p2) / 2
    top = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(top**2 / (p2 - p1) ** 2)
