"""Differences between two versions, passage by passage and word by word.

Built on difflib (standard library). Passages are aligned by key, so comparing any two
versions (v1 with v5, not only neighbours) shows a moved or reworded passage as the
same passage. Every piece of text is escaped before it is wrapped in <ins>/<del>.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _is_space(token: str) -> bool:
    # White space must not anchor the alignment, or a rewritten phrase shows as a
    # word salad of alternating deletions and insertions.
    return token.isspace()


def word_diff(old: str, new: str) -> SafeString:
    """HTML of `new` with words deleted from `old` in <del> and inserted ones in <ins>."""
    a = _WORDS.findall(old or "")
    b = _WORDS.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
        _is_space, a, b, autojunk=False
    ).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@dataclass
class PassageChange:
    status: str  # unchanged, changed, added, removed
    key: str
    kind: str
    old_text: str
    new_text: str
    old_position: int | None
    new_position: int | None

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ")

    @property
    def html(self) -> SafeString:
        return word_diff(self.old_text, self.new_text)


def compare_passages(old: list, new: list) -> list[PassageChange]:
    """Align two versions' passages (objects with key, kind, text) in reading order.

    The new version's order wins; a removed passage is shown right after the passage
    that preceded it in the old version.
    """
    old_by_key = {p.key: (index, p) for index, p in enumerate(old)}
    new_keys = {p.key for p in new}
    changes: list[PassageChange] = []
    for index, passage in enumerate(new):
        found = old_by_key.get(passage.key)
        if found is None:
            changes.append(
                PassageChange("added", passage.key, passage.kind, "", passage.text, None, index)
            )
        else:
            old_index, old_passage = found
            status = "unchanged" if old_passage.text == passage.text else "changed"
            changes.append(
                PassageChange(
                    status,
                    passage.key,
                    passage.kind,
                    old_passage.text,
                    passage.text,
                    old_index,
                    index,
                )  # fmt: skip
            )
    # Slot each removed passage in after its old predecessor's place in the result.
    for old_index, passage in enumerate(old):
        if passage.key in new_keys:
            continue
        removed = PassageChange(
            "removed", passage.key, passage.kind, passage.text, "", old_index, None
        )
        insert_at = 0
        for position, change in enumerate(changes):
            if change.old_position is not None and change.old_position < old_index:
                insert_at = position + 1
        changes.insert(insert_at, removed)
    return changes


def text_diff(old: str, new: str) -> SafeString:
    """Word diff of two whole texts, for a draft conflict ("what the other marketer changed")."""
    return word_diff(old, new)
