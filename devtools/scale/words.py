"""The made-up material of the scale company: names, words, skewed distributions."""

import random
from bisect import bisect
from itertools import accumulate


def _zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    return list(accumulate(1 / (rank**s) for rank in range(1, n + 1)))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect(cumulative, rng.random() * cumulative[-1])


WORDS = [
    "close",
    "faster",
    "cut",
    "month-end",
    "to",
    "two",
    "days",
    "audit",
    "trail",
    "cash",
    "visibility",
    "forecast",
    "automate",
    "reconciliation",
    "finance",
    "team",
    "spend",
    "control",
    "approvals",
    "real",
    "time",
    "board",
    "reporting",
    "compliance",
    "savings",
    "integrate",
    "ERP",
    "onboarding",
    "weeks",
    "not",
    "months",
    "ROI",
]
FIRST = [
    "Ada",
    "Ben",
    "Carla",
    "Dan",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kim",
    "Leo",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rita",
    "Sam",
]
LAST = [
    "Meyer",
    "Novak",
    "Rossi",
    "Smith",
    "Garcia",
    "Kowalski",
    "Jensen",
    "Dubois",
    "Silva",
    "Weber",
    "Ito",
    "Khan",
    "Brown",
]
SOURCES = ["webinar", "trade show", "vendor list", "website", "partner", "content download"]
TITLES = ["CFO", "Controller", "Head of Finance", "VP Finance", "Finance Manager", "CEO"]
OBJECTIONS = [
    "too expensive", "no budget this year", "already have a tool", "security review",
    "not a priority", "needs IT approval", "contract lock-in", "too complex",
    "integration worries", "bad timing", "want a pilot first", "legal review",
]  # fmt: skip


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _person(uid, username, hashed, now):
    return {
        "id": uid,
        "username": username,
        "password": hashed,
        "email": f"{username}@smarketing.example",
        "first_name": username.split("-")[1].title(),
        "last_name": username.rsplit("-", 1)[1],
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "date_joined": now,
    }


def _spread(rng: random.Random, total: int, buckets: int) -> list[int]:
    """`total` split over `buckets`, each at least 1, skewed (some messages get many versions)."""
    counts = [1] * buckets
    weights = _zipf_cumulative(buckets, 0.8)
    for _ in range(max(0, total - buckets)):
        counts[_pick(rng, weights)] += 1
    return counts
