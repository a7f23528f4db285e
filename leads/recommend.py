"""Which play to recommend with a lead: the statistics, with no database.

1. A closed lead (won or lost) handed off with a play is **similar** to the lead being
   handed off when it has the same persona and matches it on at least two of: lead
   source, company size, company industry (blank never matches).
2. For each play: n = similar closed leads handed off with it, wins = those won.
3. The recommended play is the one with the most wins; ties go to the higher win rate,
   then to the play with the most evidence, then to the lower id (stable).
4. Its evidence is n, the win rate and a 95% Wilson score interval for it. Below
   MIN_EVIDENCE similar closed leads the answer is "too few to tell" and no play is
   recommended: the counts are still shown.
"""

import math
from dataclasses import dataclass, field

MIN_EVIDENCE = 5
Z95 = 1.959963984540054


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: honest at small n, unlike p ± z·se."""
    if n == 0:
        return (0.0, 1.0)
    p = wins / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - margin), min(1.0, centre + margin))


@dataclass(frozen=True)
class PlayEvidence:
    play_id: int
    n: int
    wins: int

    @property
    def win_rate(self) -> float:
        return self.wins / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.wins, self.n)


@dataclass(frozen=True)
class Recommendation:
    play_id: int | None
    evidence: PlayEvidence | None
    candidates: list = field(default_factory=list)

    @property
    def too_few_to_tell(self) -> bool:
        return self.play_id is None


def is_similar(lead_attrs: dict, row: dict) -> bool:
    matches = sum(
        1
        for key in ("source", "size", "industry")
        if lead_attrs.get(key) and lead_attrs.get(key) == row.get(key)
    )
    return matches >= 2


def recommend(lead_attrs: dict, rows, *, min_evidence: int = MIN_EVIDENCE) -> Recommendation:
    """`rows`: closed leads of the same persona grouped by play and attributes, each a
    dict with play_id, source, size, industry, n and wins."""
    totals: dict[int, list[int]] = {}
    for row in rows:
        if not is_similar(lead_attrs, row):
            continue
        total = totals.setdefault(row["play_id"], [0, 0])
        total[0] += row["n"]
        total[1] += row["wins"]
    candidates = sorted(
        (PlayEvidence(play_id, n, wins) for play_id, (n, wins) in totals.items()),
        key=lambda e: (-e.wins, -e.win_rate, -e.n, e.play_id),
    )
    if not candidates:
        return Recommendation(None, None, [])
    best = candidates[0]
    if best.n < min_evidence:
        return Recommendation(None, best, candidates)
    return Recommendation(best.play_id, best, candidates)
