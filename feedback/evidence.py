"""The evidence behind a suggestion, from counts alone: pure, no database.

A suggestion's evidence compares the calls "with" its wording (the calls whose edits it
groups) against the calls "without" it (every other call on the same version):

1. with_positive / with_wins: the share of "with" calls whose reaction was positive (4
   or 5) / whose lead was won; None when there are no such calls (no evidence is not
   0%).
2. without_*: the same shares over the version's calls minus the "with" calls.
3. lift: with_positive - without_positive, a missing share counting as 0.
4. score, the inbox's ranking: calls + 2 x distinct salespeople + 10 x max(lift, 0),
   so breadth (many reps) weighs more than one rep repeating themselves, and a change
   that made calls more positive rises, while a negative lift never sinks a suggestion
   below its plain support.

The engine (feedback.services) and the scale seeder both call `suggestion_evidence`,
so the formula exists once.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Evidence:
    """A suggestion's evidence fields, named as on feedback.models.Suggestion."""

    call_count: int
    rep_count: int
    with_positive: float | None
    with_wins: float | None
    without_count: int
    without_positive: float | None
    without_wins: float | None
    score: float

    def fields(self) -> dict:
        """Field name -> value, to set on a Suggestion."""
        return asdict(self)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to measure."""
    return part / whole if whole else None


def suggestion_evidence(
    *,
    calls: int,
    reps: int,
    positive: int,
    wins: int,
    version_calls: int,
    version_positive: int,
    version_wins: int,
) -> Evidence:
    """The evidence of a suggestion from its counts ("with": `calls` distinct calls by
    `reps` distinct salespeople, `positive` and `wins` of them) and its version's totals
    over every call (`version_*`, which include the "with" calls)."""
    without_calls = version_calls - calls
    with_positive = rate(positive, calls)
    without_positive = rate(version_positive - positive, without_calls)
    lift = (with_positive or 0) - (without_positive or 0)
    return Evidence(
        call_count=calls,
        rep_count=reps,
        with_positive=with_positive,
        with_wins=rate(wins, calls),
        without_count=without_calls,
        without_positive=without_positive,
        without_wins=rate(version_wins - wins, without_calls),
        score=calls + 2 * reps + 10 * max(lift, 0),
    )
