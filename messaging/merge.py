"""Three-way merge of one accepted change into the current draft.

Pure functions on passage lists [(key, text)]. The three texts are the version passage
the change was made against (base), the draft's passage with the same key (draft), and
the change (feedback.changes.Change). The rules:

1. The passage is found in the draft by key, never by searching the body's text. A
   replace, rewrite or remove whose passage is gone from the draft is a MergeConflict.
2. Replace: the base and the draft passage are cut into the same tokens as the change
   (words, punctuation, white space) and aligned word by word (difflib). The span's
   words must all still stand, unchanged and side by side, in the draft; they are then
   replaced there, whatever else the marketer or an earlier accepted change did to the
   rest of the paragraph. When any of them was changed (or words were put between
   them, or around the insertion point of an empty span), the accept is a
   MergeConflict showing the base span, the draft passage and the suggested text.
3. Rewrite replaces the whole passage; remove deletes it. Both need the draft passage
   to be the base passage still (same comparison form), or they would throw away the
   marketer's edit: otherwise MergeConflict.
4. Insert puts a new block (with a fresh key) right after the draft passage `after_key`
   (at the start when None); a MergeConflict when that passage is gone.
5. A replace whose words are already in the draft in place of the span, a rewrite
   already made and a remove of a passage already gone leave the draft as it is. An
   insert is always made (a text may rightly hold two equal blocks).
"""

import difflib
from dataclasses import dataclass

from .passages import comparison_form, new_key, token_form, tokens

# The kinds of feedback.changes.Change (duck-typed here: messaging does not import feedback).
REPLACE, REWRITE, REMOVE, INSERT = "replace", "rewrite", "remove", "insert"

Passages = list[tuple[str, str]]


@dataclass(frozen=True)
class SpanChange:
    """A change as plain data, shaped like feedback.changes.Change: what
    messaging.services.draft_change_apply is given by a caller outside messaging."""

    kind: str
    passage_key: str | None
    span_start: int
    span_end: int
    original: str
    replacement: str
    base_text: str = ""
    after_key: str | None = None


@dataclass
class MergeConflict(Exception):  # noqa: N818 - the name says what happened
    """The draft changed what the suggestion changes; nothing was applied."""

    reason: str
    base: str = ""
    draft: str = ""
    suggested: str = ""

    def __str__(self) -> str:
        lines = [self.reason]
        if self.base:
            lines.append(f"The version said: “{self.base.strip()}”")
        if self.draft:
            lines.append(f"The draft now says: “{self.draft.strip()}”")
        if self.suggested:
            lines.append(f"The suggestion says: “{self.suggested.strip()}”")
        return "\n".join(lines)


def apply_change(draft_passages: Passages, base_passage_text: str | None, change) -> Passages:
    """The draft's passages with `change` applied (see the module docstring)."""
    draft = [(key, text) for key, text in draft_passages]
    base = change.base_text if base_passage_text is None else base_passage_text
    if change.kind == INSERT:
        return _insert(draft, change)
    index = next((i for i, (key, _t) in enumerate(draft) if key == change.passage_key), None)
    if index is None:
        if change.kind == REMOVE:
            return draft  # already gone
        raise MergeConflict(
            "The draft no longer has this passage; edit the draft by hand.",
            base=base,
            suggested=change.replacement,
        )
    key, text = draft[index]
    if change.kind == REPLACE:
        draft[index] = (key, replace_span(base, text, change))
        return draft
    unchanged = comparison_form(text) == comparison_form(base)
    if change.kind == REWRITE:
        if comparison_form(text) == comparison_form(change.replacement):
            return draft
        if not unchanged:
            raise MergeConflict(
                "The draft has changed this paragraph since the version the calls used; "
                "a rewrite would overwrite that edit.",
                base=base,
                draft=text,
                suggested=change.replacement,
            )
        draft[index] = (key, change.replacement)
        return draft
    if change.kind == REMOVE:
        if not unchanged:
            raise MergeConflict(
                "The draft has changed this paragraph since the version the calls used; "
                "removing it would throw that edit away.",
                base=base,
                draft=text,
            )
        del draft[index]
        return draft
    raise ValueError(f"Unknown kind of change: {change.kind!r}")


def apply_changes(draft_passages: Passages, changes) -> Passages:
    """Apply several changes made against one version (e.g. one call's), in an order
    that keeps their offsets and anchors valid: replaces right to left within each
    passage, then rewrites and removes, then inserts (last first, so that several
    inserts after one passage keep their order)."""
    draft = list(draft_passages)
    replaces = [c for c in changes if c.kind == REPLACE]
    for change in sorted(replaces, key=lambda c: (c.span_start, c.span_end), reverse=True):
        draft = apply_change(draft, None, change)
    for change in changes:
        if change.kind in (REWRITE, REMOVE):
            draft = apply_change(draft, None, change)
    for change in reversed([c for c in changes if c.kind == INSERT]):
        draft = apply_change(draft, None, change)
    return draft


def _insert(draft: Passages, change) -> Passages:
    if change.after_key is None:
        at = 0
    else:
        found = [i for i, (key, _t) in enumerate(draft) if key == change.after_key]
        if not found:
            raise MergeConflict(
                "The paragraph this addition follows is no longer in the draft; "
                "add it by hand where it fits.",
                suggested=change.replacement,
            )
        at = found[0] + 1
    return [*draft[:at], (new_key(), change.replacement), *draft[at:]]


def replace_span(base: str, draft: str, change) -> str:
    """The draft passage with the change's span replaced (rule 2)."""
    a, d = tokens(base), tokens(draft)
    start, end = change.span_start, change.span_end
    if "".join(a[start:end]) != change.original:
        raise MergeConflict(
            "This suggestion was made against a different text of the paragraph.",
            base=change.original,
            draft=base,
            suggested=change.replacement,
        )
    if [token_form(t) for t in a] == [token_form(t) for t in d]:
        return "".join(d[:start]) + change.replacement + "".join(d[end:])
    position = _draft_positions(a, d)
    conflict = MergeConflict(
        "The draft has changed the words this suggestion replaces.",
        base=_in_context(a, start, end, change.original),
        draft=draft,
        suggested=_in_context(a, start, end, change.replacement),
    )
    # The span's tokens must be in the draft in one piece (for an empty span, the
    # tokens either side of the insertion point), so the replacement has one place.
    low, high = (max(start - 1, 0), min(end + 1, len(a))) if start == end else (start, end)
    inside = range(low, high)
    if any(position[i] is None for i in inside):
        if _already_applied(a, d, change):
            return draft
        raise conflict
    if any(position[i + 1] != position[i] + 1 for i in range(low, high - 1)):
        raise conflict
    if start == end == len(a):
        draft_start = draft_end = len(d) if not a else position[len(a) - 1] + 1
    elif start == end:
        draft_start = draft_end = position[start]
    else:
        draft_start, draft_end = position[start], position[end - 1] + 1
    return "".join(d[:draft_start]) + change.replacement + "".join(d[draft_end:])


def _draft_positions(a: list[str], d: list[str]) -> list[int | None]:
    """For each base token, where it stands in the draft (None when changed there).

    Aligned on words only (white space cannot anchor an alignment, see messaging.diff);
    a white-space token counts as in place when the words either side of it are
    neighbours in the draft too.
    """
    a_at = [i for i, t in enumerate(a) if not t.isspace()]
    d_at = [i for i, t in enumerate(d) if not t.isspace()]
    matcher = difflib.SequenceMatcher(
        None, [token_form(a[i]) for i in a_at], [token_form(d[i]) for i in d_at], autojunk=False
    )
    position: list[int | None] = [None] * len(a)
    for op, i1, i2, j1, _j2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(i2 - i1):
                position[a_at[i1 + offset]] = d_at[j1 + offset]
    for i, token in enumerate(a):
        if not token.isspace():
            continue
        before = position[i - 1] if i else -1
        after = position[i + 1] if i + 1 < len(a) else len(d)
        if before is not None and after is not None and after == before + 2:
            position[i] = before + 1
    return position


def _already_applied(a: list[str], d: list[str], change) -> bool:
    """The replacement already stands in the draft between the span's neighbours."""
    start, end = change.span_start, change.span_end
    applied = "".join(a[max(0, start - 4) : start]) + change.replacement + "".join(a[end : end + 4])
    return comparison_form(applied) in comparison_form("".join(d))


def _in_context(a: list[str], start: int, end: int, middle: str, reach: int = 12) -> str:
    """The span (marked with [ ]) with a few words of the version either side."""
    before = "".join(a[max(0, start - reach) : start])
    after = "".join(a[end : end + reach])
    lead = "… " if start > reach else ""
    tail = " …" if end + reach < len(a) else ""
    space = middle[: len(middle) - len(middle.lstrip())]
    return f"{lead}{before}{space}[{middle.strip()}]{after.rstrip()}{tail}"
