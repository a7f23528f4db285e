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

Each old key is given at most once, so keys stay unique within a version.
"""

import re
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass

from rapidfuzz import fuzz

from .rendering import markdown

SIMILARITY_THRESHOLD = 60.0

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
    """Give each block the key of the previous passage it continues, or a new key."""
    keys: list[str | None] = [None] * len(blocks)
    used: set[int] = set()
    new_norm = [normalise(block.text) for block in blocks]
    old_norm = [normalise(old.text) for old in previous]

    # 1. Same text.
    by_text: dict[str, deque[int]] = defaultdict(deque)
    for index, text in enumerate(old_norm):
        by_text[text].append(index)
    for index, text in enumerate(new_norm):
        candidates = by_text.get(text)
        if candidates:
            old_index = candidates.popleft()
            keys[index] = previous[old_index].key
            used.add(old_index)

    # 2. Similar text, most similar pair first.
    pairs = []
    for i, text in enumerate(new_norm):
        if keys[i] is not None:
            continue
        for j, old_text in enumerate(old_norm):
            if j in used:
                continue
            score = fuzz.ratio(text, old_text)
            if score >= SIMILARITY_THRESHOLD:
                pairs.append((-score, abs(i - j), i, j))
    for _score, _distance, i, j in sorted(pairs):
        if keys[i] is None and j not in used:
            keys[i] = previous[j].key
            used.add(j)

    # 3. The rest is new.
    return [
        KeyedBlock(key=key or new_key(), kind=block.kind, text=block.text)
        for key, block in zip(keys, blocks, strict=True)
    ]


def replace_passage(body: str, old_text: str, new_text: str) -> str:
    """Put `new_text` where the passage `old_text` stands in `body` (first occurrence).

    Used to apply an accepted suggestion to a draft. Raises ValueError when the passage
    is not in the body any more.
    """
    index = body.find(old_text)
    if index < 0:
        raise ValueError("That passage is no longer in the draft.")
    return body[:index] + new_text + body[index + len(old_text) :]
