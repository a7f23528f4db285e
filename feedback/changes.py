"""Changes: what a salesperson changed in a version's text, span by span.

Pure functions, no database: the version's passages (anything with `key` and `text`,
or (key, text) pairs) and the wording used in a call go in, Change dataclasses come
out. The rules, in order:

1. Blocks. The edited body is cut into blocks with messaging.passages.split_passages.
   Texts are compared by their comparison form: normalise() (Markdown markers dropped,
   white space collapsed), case-folded. A passage equal in that form is unchanged and
   gives nothing, so white-space and case-only edits are not changes.
2. Alignment by position. The version's passages and the edited blocks are aligned in
   order (difflib.SequenceMatcher over their comparison forms): runs of equal passages
   are anchors. Between two anchors, the version's passages and the edited blocks are
   paired in order, as many pairs as the shorter side has, choosing the pairs with the
   highest total similarity (rapidfuzz ratio). A passage paired with a block was
   changed in place, however heavily: what stands in its position is its new wording
   (no similarity threshold decides that). A version passage left without a block is a
   `remove`; an edited block left without a passage is an `insert` after the nearest
   version passage before it (`after_key`, None at the start). A passage the rep moved
   elsewhere is therefore a remove plus an insert, which applied together move it.
3. Words. A changed passage and its block are cut into tokens (words, punctuation, runs
   of white space; joined they give the text back exactly) and compared with difflib
   on the tokens' comparison form, white space ignored as an anchor.
4. Spans. Neighbouring differences are merged into one span when at most MERGE_GAP
   words stand between them within one sentence. A span that covers more than half of
   a sentence's words is widened to the whole sentence. A span is (span_start,
   span_end), token offsets on the version passage; `original` is the version's text
   of the span and `replacement` the text the rep used in its place (an empty span is
   a pure insertion at that offset, an empty replacement a deletion).
5. Rewrite. When most of the passage changed (word-level similarity below
   REWRITE_BELOW), the passage is one `rewrite`: span = the whole passage.
6. Every change carries `anchor`, the comparison form of the version's sentence(s)
   around it (the whole passage for rewrite and remove, the preceding passage for an
   insert), and `base_text`, the version passage's whole text, so grouping and the
   three-way merge need nothing else.
"""

import difflib
from dataclasses import dataclass

from rapidfuzz import fuzz

from messaging.passages import comparison_form, split_passages, token_form, tokens

REPLACE = "replace"
REWRITE = "rewrite"
REMOVE = "remove"
INSERT = "insert"

MERGE_GAP = 2  # words between two differences that still make them one span
REWRITE_BELOW = 0.5  # word-level similarity under which a passage is rewritten
PAIRING_LIMIT = 40_000  # passages x blocks in one gap above which pairing is by position

_SENTENCE_END = {".", "!", "?", ";"}


@dataclass(frozen=True)
class Change:
    kind: str  # replace | rewrite | remove | insert
    passage_key: str | None  # the version passage changed; None for an insert
    span_start: int  # token offsets on the version passage (0, 0 for an insert)
    span_end: int
    original: str  # the version's text of the span
    replacement: str  # the rep's text in its place ("" for a remove)
    anchor: str = ""
    base_text: str = ""  # the version passage's whole text ("" for an insert)
    after_key: str | None = None  # insert: the version passage it follows
    sentence: int | None = None  # index of the first sentence the span touches

    @property
    def where_key(self) -> str:
        """The key the change hangs on: its passage, or for an insert the one before."""
        return (self.passage_key if self.kind != INSERT else self.after_key) or ""

    def where(self) -> dict:
        """Where the change stands, named as the stored rows name it (PassageEdit and
        Suggestion share these fields): kind, keys, span and the version's words."""
        return {
            "kind": self.kind,
            "passage_key": self.passage_key or "",
            "after_key": self.after_key or "",
            "span_start": self.span_start,
            "span_end": self.span_end,
            "sentence": self.sentence if self.kind == REPLACE else None,
            "original_text": self.original,
        }


def sentence_ids(toks: list[str]) -> list[int]:
    """The sentence each token belongs to: a sentence ends after . ! ? ; or a line break."""
    ids, current, ended = [], 0, False
    for token in toks:
        if ended and (token.isspace() or token not in _SENTENCE_END):
            current += 1
            ended = False
        ids.append(current)
        if token in _SENTENCE_END or (token.isspace() and "\n" in token):
            ended = True
    return ids


def _words(toks: list[str]) -> list[str]:
    return [token_form(t) for t in toks if not t.isspace()]


def _key_text(passage) -> tuple[str, str]:
    if isinstance(passage, tuple):
        return passage[0], passage[1]
    return passage.key, passage.text


def changes_for(version_passages: list, edited_body: str) -> list[Change]:
    """The changes a rep made to a version (see the module docstring)."""
    old = [_key_text(p) for p in version_passages]
    new = [block.text for block in split_passages(edited_body)]
    old_forms = [comparison_form(text) for _key, text in old]
    new_forms = [comparison_form(text) for text in new]
    changes: list[Change] = []
    last_key: str | None = None
    matcher = difflib.SequenceMatcher(None, old_forms, new_forms, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            last_key = old[i2 - 1][0]
            continue
        pairs = dict(_pair_in_order(old_forms[i1:i2], new_forms[j1:j2]))
        paired_new = {j: i for i, j in pairs.items()}
        # Walk both sides in order so inserts hang after the right passage.
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and (i - i1) not in pairs:
                changes.append(_removal(*old[i]))
                i += 1
            elif j < j2 and (j - j1) not in paired_new:
                changes.append(_insertion(new[j], last_key, old, last_key))
                j += 1
            else:
                key, text = old[i]
                changes.extend(passage_changes(key, text, new[j]))
                last_key = key
                i += 1
                j += 1
    return changes


def _pair_in_order(old_forms: list[str], new_forms: list[str]) -> list[tuple[int, int]]:
    """Order-preserving pairs, min(len) of them, with the highest total similarity."""
    k, n = len(old_forms), len(new_forms)
    if not k or not n:
        return []
    if k == n or k * n > PAIRING_LIMIT:
        return [(x, x) for x in range(min(k, n))]
    flipped = k > n
    short, long = (new_forms, old_forms) if flipped else (old_forms, new_forms)
    s, m = len(short), len(long)
    score = [[fuzz.ratio(a, b) for b in long] for a in short]
    # best[x][y]: the best total pairing the first x of `short` within the first y of `long`.
    minus = float("-inf")
    best = [[0.0] * (m + 1)] + [[minus] * (m + 1) for _ in range(s)]
    for x in range(1, s + 1):
        for y in range(x, m + 1):
            best[x][y] = max(best[x][y - 1], best[x - 1][y - 1] + score[x - 1][y - 1])
    pairs, x, y = [], s, m
    while x:
        if y > x and best[x][y] == best[x][y - 1]:
            y -= 1
        else:
            pairs.append((x - 1, y - 1))
            x, y = x - 1, y - 1
    pairs.reverse()
    return [(b, a) for a, b in pairs] if flipped else pairs


def _removal(key: str, text: str) -> Change:
    toks = tokens(text)
    return Change(REMOVE, key, 0, len(toks), text, "", comparison_form(text), text)


def _insertion(text: str, after_key: str | None, old, _last) -> Change:
    anchor = ""
    if after_key is not None:
        anchor = comparison_form(next(t for k, t in old if k == after_key))
    return Change(INSERT, None, 0, 0, "", text, anchor, "", after_key=after_key)


def passage_changes(key: str, base: str, edited: str) -> list[Change]:
    """The changes that turn one version passage into the rep's block (rules 3 to 6)."""
    if comparison_form(base) == comparison_form(edited):
        return []
    a, b = tokens(base), tokens(edited)
    a_at = [index for index, t in enumerate(a) if not t.isspace()]  # word -> token offset
    b_at = [index for index, t in enumerate(b) if not t.isspace()]
    a_words = [token_form(a[index]) for index in a_at]
    b_words = [token_form(b[index]) for index in b_at]
    matcher = difflib.SequenceMatcher(None, a_words, b_words, autojunk=False)
    if matcher.ratio() < REWRITE_BELOW:
        return [Change(REWRITE, key, 0, len(a), base, edited, comparison_form(base), base, None, 0)]
    token_sentences = sentence_ids(a)
    sentences = [token_sentences[index] for index in a_at] or [0]
    mapped: dict[int, int] = {}  # version word -> edited word, for words left equal
    spans: list[list[int]] = []  # [i1, i2, j1, j2] in words
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            mapped.update(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        if spans and i1 - spans[-1][1] <= MERGE_GAP:
            last = spans[-1]
            if _sentence_at(sentences, max(last[1] - 1, last[0])) == _sentence_at(sentences, i1):
                last[1], last[3] = i2, j2
                continue
        spans.append([i1, i2, j1, j2])
    spans = _widen_to_sentences(spans, sentences, mapped)
    changes = []
    for i1, i2, j1, j2 in spans:
        s, e = _token_span(a, a_at, i1, i2, at_start=i1 == 0)
        rs, re_ = _token_span(b, b_at, j1, j2, at_start=i1 == 0)
        original, replacement = "".join(a[s:e]), "".join(b[rs:re_])
        if comparison_form(original) == comparison_form(replacement):
            continue  # only white space or case differed
        touched = _touched(sentences, i1, i2)
        anchor = comparison_form(
            " ".join(a[a_at[w]] for w in range(len(a_at)) if sentences[w] in touched)
        )
        first = min(touched)
        changes.append(Change(REPLACE, key, s, e, original, replacement, anchor, base, None, first))
    return changes


def _token_span(toks, word_at, w1, w2, *, at_start):
    """Token offsets of words w1..w2 (w2 excluded) with the white space that goes with
    them: the space before them, or at the very start the space after them, so that
    splicing the rep's text there leaves the spacing right."""

    def start_of(w):
        return word_at[w] if w < len(word_at) else len(toks)

    def end_of(w):  # just after word w
        return word_at[w] + 1 if w >= 0 else 0

    if at_start:
        return 0, start_of(w2)
    return end_of(w1 - 1), end_of(w2 - 1)


def _sentence_at(sentences: list[int], word: int) -> int:
    return sentences[min(max(word, 0), len(sentences) - 1)]


def _touched(sentences: list[int], i1: int, i2: int) -> set[int]:
    if i1 >= i2:
        return {_sentence_at(sentences, i1)}
    return set(sentences[i1:i2])


def _widen_to_sentences(spans, sentences, mapped):
    """Widen a span covering more than half of a sentence's words to that sentence,
    then merge spans that came to overlap."""
    bounds: dict[int, list[int]] = {}
    for word, sentence in enumerate(sentences):
        bounds.setdefault(sentence, [word, word + 1])[1] = word + 1
    widened: list[list[int]] = []
    for i1, i2, j1, j2 in spans:
        for sentence in sorted(_touched(sentences, i1, i2)):
            low, high = bounds[sentence]
            changed = max(0, min(i2, high) - max(i1, low))
            if changed * 2 <= high - low:
                continue
            if widened and widened[-1][1] > low:
                # An earlier span in the same sentence: one span now.
                i1, j1 = widened[-1][0], widened[-1][2]
                widened.pop()
            if low < i1 and all(mapped.get(w) == j1 - (i1 - w) for w in range(low, i1)):
                j1, i1 = j1 - (i1 - low), low
            if high > i2 and all(mapped.get(w) == j2 + (w - i2) for w in range(i2, high)):
                j2, i2 = j2 + (high - i2), high
        if widened and i1 < widened[-1][1]:
            last = widened[-1]
            last[1], last[3] = max(last[1], i2), max(last[3], j2)
        else:
            widened.append([i1, i2, j1, j2])
    return widened
