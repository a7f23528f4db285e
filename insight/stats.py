"""Interval arithmetic for comparing two proportions (standard library only).

The lift of a version over its predecessor is a difference of two proportions
(positive calls / calls, deals won / deals closed). Its 95% interval is Newcombe's
hybrid score interval (Newcombe 1998, "Interval estimation for the difference between
independent proportions", method 10), built from the two Wilson score intervals: unlike
the textbook Wald interval it stays inside [-1, 1] and behaves with small samples and
rates near 0 or 1, which is exactly where a new version starts.
"""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
# Below these, an interval is too wide to act on; the page says so in words.
MIN_TRIALS = 30
MIN_EACH_WAY = 5


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of successes/trials; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95):
    """95% interval (by default) for p1 - p2, where p1 = k1/n1 and p2 = k2/n2."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


@dataclass(frozen=True)
class Comparison:
    """p1 (the newer version) against p2 (its predecessor)."""

    k1: int
    n1: int
    k2: int
    n2: int

    @property
    def possible(self) -> bool:
        return self.n1 > 0 and self.n2 > 0

    @property
    def rate1(self) -> float | None:
        return self.k1 / self.n1 if self.n1 else None

    @property
    def rate2(self) -> float | None:
        return self.k2 / self.n2 if self.n2 else None

    @property
    def difference(self) -> float | None:
        return self.rate1 - self.rate2 if self.possible else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return newcombe_interval(self.k1, self.n1, self.k2, self.n2) if self.possible else None

    @property
    def too_small(self) -> bool:
        """Fewer than MIN_TRIALS on a side, or fewer than MIN_EACH_WAY successes or
        failures on a side: the usual rule of thumb below which no interval of a
        proportion is worth reading."""
        return any(
            n < MIN_TRIALS or k < MIN_EACH_WAY or n - k < MIN_EACH_WAY
            for k, n in ((self.k1, self.n1), (self.k2, self.n2))
        )

    @property
    def verdict(self) -> str:
        if not self.possible:
            return "No data on one side yet."
        if self.too_small:
            return (
                f"Too few to tell ({self.n1} vs {self.n2}): a difference this size can "
                "happen by chance."
            )
        low, high = self.interval
        if low > 0:
            return "Better, beyond chance."
        if high < 0:
            return "Worse, beyond chance."
        return "No clear difference yet."
