"""Whole-wording similarity: pure, no database.

The engine no longer uses it to group (feedback.changes finds the changes and
feedback.grouping groups them); it stays for whole-text comparisons.

1. Wordings are compared normalised (messaging.passages.normalise: Markdown markers
   dropped, white space collapsed), with rapidfuzz's normalised Indel ratio (0-100).
2. An edit joins the candidate wording it is most similar to, when that similarity is at
   least EDIT_SIMILARITY; otherwise it starts a new suggestion.
3. A suggestion's representative wording is the medoid of its wordings: the one with the
   highest total similarity to all the others (with one or two wordings, the latest).
"""

from rapidfuzz import fuzz

from messaging.passages import normalise

# Two edits of one passage are "the same suggestion" when their wordings are at least
# this similar (rapidfuzz normalised Indel ratio, 0-100, on normalised text).
EDIT_SIMILARITY = 75.0


def closest_wording(wording: str, candidates: list[str]) -> int | None:
    """The index of the candidate most similar to `wording` (the first of equals), or
    None when none reaches EDIT_SIMILARITY."""
    best, best_score = None, -1.0
    wording = normalise(wording)
    for index, candidate in enumerate(candidates):
        score = fuzz.ratio(wording, normalise(candidate))
        if score >= EDIT_SIMILARITY and score > best_score:
            best, best_score = index, score
    return best


def medoid(texts: list[str]) -> str:
    """The wording most similar to all the others; with two or fewer, the last one
    given (the engine passes them newest first)."""
    if len(texts) <= 2:
        return texts[-1]
    normalised = [normalise(text) for text in texts]
    best = max(
        range(len(texts)),
        key=lambda i: sum(fuzz.ratio(normalised[i], other) for other in normalised),
    )
    return texts[best]
