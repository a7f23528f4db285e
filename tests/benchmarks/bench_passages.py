"""Time and peak memory of keying and change-finding on a long draft.

Run: .venv/bin/python -m tests.benchmarks.bench_passages [paragraphs]

Builds a draft of 4,000 paragraphs (about 60 words each), edits about 5% of them (a
phrase replaced in most, a sentence rewritten in some), inserts 40 new paragraphs and
removes 40 (and, as a worst case, rewords every paragraph), then measures
messaging.passages.assign_keys (the autosave's keying) and
feedback.changes.changes_for (a call's wording against the version): each is timed
with time.perf_counter, then run again under tracemalloc for the peak memory.
"""

import random
import sys
import time
import tracemalloc

from feedback.changes import changes_for
from messaging.passages import assign_keys, split_passages

WORDS = [
    "finance",
    "team",
    "close",
    "month",
    "bank",
    "match",
    "cash",
    "ledger",
    "invoice",
    "audit",
    "approve",
    "report",
    "spreadsheet",
    "customer",
    "platform",
    "automatic",
    "reconcile",
    "review",
    "budget",
    "forecast",
    "controller",
    "vendor",
    "payment",
    "journal",
    "entry",
    "balance",
    "account",
    "policy",
    "deadline",
    "export",
    "import",
]


def paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(5):
        words = [rng.choice(WORDS) for _ in range(12)]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def measure(label, function, *args):
    """Run twice: once timed, once under tracemalloc (which slows Python down) for the peak."""
    started = time.perf_counter()
    result = function(*args)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    function(*args)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {elapsed:7.3f} s   peak {peak / 2**20:7.1f} MB")
    return result


def main(count: int = 4000) -> None:
    rng = random.Random(4000)
    paragraphs = [paragraph(rng) for _ in range(count)]
    edited = list(paragraphs)
    for index in rng.sample(range(count), count // 20):
        sentences = edited[index].split(". ")
        if rng.random() < 0.8:
            words = sentences[1].split()
            words[3:6] = ["quite", "a", "different", "phrase"]
            sentences[1] = " ".join(words)
        else:
            sentences[2] = "This whole sentence was rewritten by the rep in other words"
        edited[index] = ". ".join(sentences)
    for index in sorted(rng.sample(range(count), count // 100), reverse=True):
        del edited[index]
    for index in sorted(rng.sample(range(len(edited)), count // 100), reverse=True):
        edited.insert(index, paragraph(rng))
    body, edited_body = "\n\n".join(paragraphs), "\n\n".join(edited)
    print(f"{count} paragraphs, {len(body):,} characters; edited: {len(edited_body):,}")

    previous = assign_keys(split_passages(body), [])
    blocks = measure("split_passages (edited body)", split_passages, edited_body)
    keyed = measure("assign_keys (against previous)", assign_keys, blocks, previous)
    kept = len({b.key for b in keyed} & {b.key for b in previous})
    print(f"  {kept} of {len(previous)} keys kept, {len(keyed) - kept} new")
    changes = measure("changes_for (call wording)", changes_for, previous, edited_body)
    kinds = {}
    for change in changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    print(f"  {len(changes)} changes: {kinds}")

    print("Worst case: every paragraph reworded (no passage keeps its exact text)")
    reworded = "\n\n".join(p.replace(" ", " very ", 1) for p in paragraphs)
    blocks = split_passages(reworded)
    keyed = measure("assign_keys (all reworded)", assign_keys, blocks, previous)
    kept = len({b.key for b in keyed} & {b.key for b in previous})
    print(f"  {kept} of {len(previous)} keys kept")
    measure("changes_for (all reworded)", changes_for, previous, reworded)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
