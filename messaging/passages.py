"""Passages: the blocks of a version's body, with keys that survive small edits.

Splitting. A body is parsed with markdown-it-py and cut into its top-level blocks:
each heading, paragraph, quote, code block and table is one passage, and each item of a
top-level list is one passage (nested lists stay inside their item). A passage's text is
its exact Markdown source, so an edit made to it can be applied back to the document.

Matching rule. When a version is derived from another (a new draft from the live
version, or the next autosave of a draft), each new passage inherits the key of the old
passage it continues, decided in three passes:

1. Same text: a new passage whose normalised text (Markdown markers stripped, white
   space collapsed) equals an old passage's takes its key. Identical duplicates pair
   up in document order. This is what makes moves keep their key.
2. Similar text: the remaining new and old passages are paired greedily, most similar
   pair first (rapidfuzz's normalised Indel ratio of the normalised texts), when the
   similarity is at least SIMILARITY_THRESHOLD; ties go to the pair whose positions are
   closest. A reworded sentence keeps its key; a paragraph split in two gives its key
   to the more similar half; two merged paragraphs give the result the key of the one
   it resembles most.
3. Anything left is new (a fresh key); old passages left unpaired are gone from the
   new version, which is how feedback knows a suggestion has gone stale.

Cost. Pass 1 is a dict look-up per passage. Pass 2 compares every remaining new
passage with every remaining old one only while that is at most FUZZY_PAIR_BUDGET
comparisons (any ordinary edit of any document); beyond that (a long document heavily
rewritten) it compares within local windows: the same-text pairs that keep their order
are anchors, and the unpaired passages between two neighbouring anchors are compared
with each other (in bands of WINDOW either side when the stretch is long), then the
leftovers once more over the whole document if they fit the budget. A reworded passage
that also moved far away is then new, which is the price of a bounded cost.
check_draft_size refuses bodies over MAX_DRAFT_CHARS or MAX_DRAFT_PASSAGES.

Each old key is given at most once, so keys stay unique within a version.
"""

import re
import secrets
from bisect import bisect_left
from collections import defaultdict, deque
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process

from .rendering import markdown

SIMILARITY_THRESHOLD = 60.0

# Size limits for one draft (check_draft_size), far above any real piece of collateral.
MAX_DRAFT_PASSAGES = 5_000
MAX_DRAFT_CHARS = 500_000

# Pass 2's cost bounds: comparisons over the whole document when it fits, else per
# window between anchors, else a band of WINDOW old passages either side.
FUZZY_PAIR_BUDGET = 250_000
WINDOW_PAIR_LIMIT = 40_000
WINDOW = 25

_MARKERS = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)")
_SPACE = re.compile(r"\s+")

_BLOCK_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "blockquote_open": "quote",
    "fence": "code",
    "code_block": "code",
    "table_open": "table",
    "html_block": "other",
}


@dataclass(frozen=True)
class Block:
    kind: str
    text: str


@dataclass(frozen=True)
class KeyedBlock:
    key: str
    kind: str
    text: str


def normalise(text: str) -> str:
    """Text for comparison: Markdown line markers dropped, white space collapsed."""
    lines = [_MARKERS.sub("", line) for line in text.splitlines()]
    return _SPACE.sub(" ", " ".join(lines)).strip()


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def comparison_form(text: str) -> str:
    """normalise(), case-folded: two passages with the same form say the same thing."""
    return normalise(text or "").casefold()


def tokens(text: str) -> list[str]:
    """Words, punctuation marks and runs of white space; "".join(tokens(t)) == t."""
    return _TOKENS.findall(text or "")


def token_form(token: str) -> str:
    """A token's comparison form: white space is one space, words are case-folded."""
    return " " if token.isspace() else token.casefold()


def split_passages(body: str) -> list[Block]:
    """Cut a Markdown body into passages (see the module docstring)."""
    lines = (body or "").splitlines()
    blocks: list[Block] = []
    for token in markdown.parse(body or ""):
        if token.map is None:
            continue
        if token.level == 0 and token.type in _BLOCK_KINDS:
            kind = _BLOCK_KINDS[token.type]
        elif token.level == 1 and token.type == "list_item_open":
            kind = "list_item"
        else:
            continue
        start, end = token.map
        text = "\n".join(lines[start:end]).strip("\n").rstrip()
        if text.strip():
            blocks.append(Block(kind=kind, text=text))
    return blocks


def new_key() -> str:
    return secrets.token_hex(4)


def assign_keys(blocks: list[Block], previous: list[KeyedBlock]) -> list[KeyedBlock]:
    """Give each block the key of the previous passage it continues, or a new key.

    Cost: one dict look-up per block for pass 1; pass 2 compares at most
    FUZZY_PAIR_BUDGET pairs over the whole document (see _fuzzy_windows), each
    comparison in rapidfuzz's C code with the threshold as a cut-off.
    """
    keys: list[str | None] = [None] * len(blocks)
    used: set[int] = set()
    new_norm = [normalise(block.text) for block in blocks]
    old_norm = [normalise(old.text) for old in previous]

    # 1. Same text.
    by_text: dict[str, deque[int]] = defaultdict(deque)
    for index, text in enumerate(old_norm):
        by_text[text].append(index)
    exact: list[tuple[int, int]] = []
    for index, text in enumerate(new_norm):
        candidates = by_text.get(text)
        if candidates:
            old_index = candidates.popleft()
            keys[index] = previous[old_index].key
            used.add(old_index)
            exact.append((index, old_index))

    # 2. Similar text, most similar pair first, within windows; then once more over
    # whatever is left when that is small enough.
    free_new = [i for i, key in enumerate(keys) if key is None]
    free_old = [j for j in range(len(previous)) if j not in used]
    if free_new and free_old:
        if len(free_new) * len(free_old) <= FUZZY_PAIR_BUDGET:
            windows = [(free_new, free_old)]
        else:
            windows = _fuzzy_windows(exact, free_new, free_old, len(blocks), len(previous))
        _pair_similar(windows, new_norm, old_norm, keys, used, previous)
        if len(windows) > 1:
            free_new = [i for i, key in enumerate(keys) if key is None]
            free_old = [j for j in range(len(previous)) if j not in used]
            if free_new and free_old and len(free_new) * len(free_old) <= FUZZY_PAIR_BUDGET:
                _pair_similar([(free_new, free_old)], new_norm, old_norm, keys, used, previous)

    # 3. The rest is new.
    return [
        KeyedBlock(key=key or new_key(), kind=block.kind, text=block.text)
        for key, block in zip(keys, blocks, strict=True)
    ]


def _pair_similar(windows, new_norm, old_norm, keys, used, previous) -> None:
    """Pass 2 over some windows: every pair scoring at least the threshold, then greedy
    pairing, most similar first, ties to the closest positions."""
    pairs = []
    for window_new, window_old in windows:
        choices = [old_norm[j] for j in window_old]
        for i in window_new:
            for _text, score, position in process.extract(
                new_norm[i],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=SIMILARITY_THRESHOLD,
                limit=None,
            ):
                j = window_old[position]
                pairs.append((-score, abs(i - j), i, j))
    for _score, _distance, i, j in sorted(pairs):
        if keys[i] is None and j not in used:
            keys[i] = previous[j].key
            used.add(j)


def _fuzzy_windows(exact, free_new, free_old, new_count, old_count):
    """Local windows for pass 2 on long documents.

    The same-text pairs that keep their order (the longest increasing run of old
    positions, in new order) are anchors; the unpaired passages between two anchors
    are compared with each other only. A window still too large (a long stretch
    rewritten) is cut into bands: each new passage meets the WINDOW old passages
    either side of its proportional place.
    """
    anchors = _increasing_run(sorted(exact))
    bounds = [(-1, -1), *anchors, (new_count, old_count)]
    new_iter, old_iter = iter(free_new), iter(free_old)
    next_new, next_old = next(new_iter, None), next(old_iter, None)
    windows = []
    for (new_low, old_low), (new_high, old_high) in pairwise(bounds):
        window_new, window_old = [], []
        while next_new is not None and next_new < new_high:
            if next_new > new_low:
                window_new.append(next_new)
            next_new = next(new_iter, None)
        while next_old is not None and next_old < old_high:
            if next_old > old_low:
                window_old.append(next_old)
            next_old = next(old_iter, None)
        if not window_new or not window_old:
            continue
        if len(window_new) * len(window_old) <= WINDOW_PAIR_LIMIT:
            windows.append((window_new, window_old))
            continue
        scale = len(window_old) / len(window_new)
        for index, i in enumerate(window_new):
            centre = int(index * scale)
            low = max(0, centre - WINDOW)
            windows.append(([i], window_old[low : centre + WINDOW + 1]))
    return windows


def _increasing_run(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (new, old) pairs, sorted by new, whose old positions increase."""
    tails: list[int] = []  # old position ending the best run of each length
    tail_index: list[int] = []
    before = [-1] * len(pairs)
    for index, (_new, old) in enumerate(pairs):
        length = bisect_left(tails, old)
        if length == len(tails):
            tails.append(old)
            tail_index.append(index)
        else:
            tails[length] = old
            tail_index[length] = index
        before[index] = tail_index[length - 1] if length else -1
    run = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def check_draft_size(body: str) -> None:
    """Refuse a body too long to key and compare in one request (ValueError says why)."""
    length = len(body or "")
    if length > MAX_DRAFT_CHARS:
        raise ValueError(
            f"This text is {length:,} characters long; a message can have at most "
            f"{MAX_DRAFT_CHARS:,}. Split it into several messages."
        )
    count = len(split_passages(body))
    if count > MAX_DRAFT_PASSAGES:
        raise ValueError(
            f"This text has {count:,} paragraphs, headings and list items; a message can "
            f"have at most {MAX_DRAFT_PASSAGES:,}. Split it into several messages."
        )


def replace_passage(body: str, old_text: str, new_text: str) -> str:
    """Put `new_text` where the passage `old_text` stands in `body` (first occurrence).

    Used to apply an accepted suggestion to a draft. Raises ValueError when the passage
    is not in the body any more.
    """
    index = body.find(old_text)
    if index < 0:
        raise ValueError("That passage is no longer in the draft.")
    return body[:index] + new_text + body[index + len(old_text) :]
