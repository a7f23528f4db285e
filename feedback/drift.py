"""Drift: when sales stops saying a passage as written.

A passage drifts when the salespeople changed it (reworded or left it out) in more than
DRIFT_SHARE of the calls that used its version, once at least DRIFT_MIN_CALLS calls were
counted: below that, two edited calls out of three say nothing yet. Pure arithmetic, no
database: feedback.services.drift applies it to the counted figures.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PassageShare:
    passage_key: str
    changed_calls: int
    share: float


def drift_share(*, changed_calls: int, version_calls: int) -> float:
    """The share of the version's counted calls that changed the passage (0 when none)."""
    if version_calls <= 0:
        return 0.0
    return min(changed_calls, version_calls) / version_calls


def is_drifting(*, changed_calls: int, version_calls: int, share: float, min_calls: int) -> bool:
    """More than `share` of at least `min_calls` counted calls changed the passage."""
    if version_calls < min_calls:
        return False
    return drift_share(changed_calls=changed_calls, version_calls=version_calls) > share


def drifting_passages(
    changed: dict[str, int], *, version_calls: int, share: float, min_calls: int
) -> list[PassageShare]:
    """The drifting passages among {passage_key: calls that changed it}, most drifted
    first (then by key, so the order is stable)."""
    found = [
        PassageShare(key, count, drift_share(changed_calls=count, version_calls=version_calls))
        for key, count in changed.items()
        if is_drifting(
            changed_calls=count, version_calls=version_calls, share=share, min_calls=min_calls
        )
    ]
    return sorted(found, key=lambda p: (-p.share, p.passage_key))
