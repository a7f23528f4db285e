"""Grouping: the changes of many calls become suggestions, each with its variants.

Pure functions on dataclasses (feedback.changes.Change inside a ChangeInstance, which
adds the call, the rep and pass-through evidence). The rules:

1. Bucket. Changes are only ever compared within a bucket, group_key(change): the kind
   and the passage (for an insert, the passage it follows). A replace and a rewrite of
   one passage are different suggestions; so are an insert and a remove.
2. Replace. Two replaces of one passage belong together when their spans overlap (an
   empty span, a pure insertion point, overlaps a span it touches or the same point)
   and their wordings are similar: both are laid over the union of the two spans (the
   version's words around the smaller span filled in, so short and long spans of one
   edit compare like with like) and scored with `similarity` at least
   GROUP_SIMILARITY. Changes to different, non-overlapping spans of one paragraph are
   never grouped: they are different suggestions.
3. Rewrite and remove. All rewrites of one passage are one group; all removals of one
   passage are one group.
4. Insert. Inserts after the same passage belong together when their texts score at
   least GROUP_SIMILARITY.
5. Groups are the connected parts of "belongs together" (single linkage), so the set
   of groups does not depend on the order the calls arrive in.
6. Variants. Within a group, wordings are compared in their comparison form laid over
   the group's whole span; near-identical ones (fuzz.ratio at least
   VARIANT_SIMILARITY: a typo, a plural, a comma) are one variant, again by single
   linkage. A variant keeps the sets of its call ids and rep ids, so the same call
   counted twice counts once; its wording is that of its best-evidenced member.
   Variants are ranked by distinct reps, then calls, then wording; groups likewise.
7. Incremental. match_group(change, groups) finds the group a new change joins (the
   best-scoring group satisfying rule 2, 3 or 4), and Group.add puts an instance in
   (idempotent by call id and wording). A new change that would bridge two existing
   groups joins the best one; a batch group_changes over the same changes would merge
   them. The engine regroups a version in batch when that matters.

Why these measures. The texts compared in rule 2 are short (a phrase laid over a
sentence fragment), where reps reorder words ("in two days we closed" / "we closed in
two days") and rapidfuzz's token_sort_ratio, which sorts the words before comparing,
scores a reordering as the same wording while still counting a missing or extra word
(token_set_ratio would call any subset identical: "four days" and "nearly four days
every month" score 100, so it would merge edits that add different things). On long
texts (SHORT_WORDS words or more: whole rewrites, added paragraphs) word order carries
the argument, and reordering all the words of a paragraph is a different paragraph, so
plain fuzz.ratio (normalised Indel similarity on characters) is used. Thresholds: 60
to group (the messaging.passages threshold, "recognisably the same edit"), 90 to call
two wordings one variant (only a few characters apart).
"""

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from messaging.passages import comparison_form, tokens

from .changes import INSERT, REMOVE, REPLACE, REWRITE, Change

GROUP_SIMILARITY = 60.0
VARIANT_SIMILARITY = 90.0
SHORT_WORDS = 12


@dataclass(frozen=True)
class ChangeInstance:
    change: Change
    call_id: Any
    rep_id: Any
    reaction: int | None = None  # passed through for the evidence
    won: bool | None = None


@dataclass
class Variant:
    wording: str  # comparison form of the representative wording over the group's span
    change: Change  # the representative change: the one to apply when accepted
    call_ids: set = field(default_factory=set)
    rep_ids: set = field(default_factory=set)
    instances: list[ChangeInstance] = field(default_factory=list)

    @property
    def evidence(self) -> tuple[int, int]:
        return (len(self.rep_ids), len(self.call_ids))


@dataclass
class Group:
    key: str
    kind: str
    passage_key: str | None
    after_key: str | None
    span_start: int
    span_end: int
    base_text: str
    instances: list[ChangeInstance] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)

    @property
    def call_ids(self) -> set:
        return {instance.call_id for instance in self.instances}

    @property
    def rep_ids(self) -> set:
        return {instance.rep_id for instance in self.instances}

    @property
    def best(self) -> Variant:
        return self.variants[0]

    @property
    def original(self) -> str:
        """The version's text of the group's span."""
        return "".join(tokens(self.base_text)[self.span_start : self.span_end])

    def add(self, instance: ChangeInstance) -> bool:
        """Put a call's change in; False when that call's wording is already here."""
        signature = _signature(instance)
        if any(_signature(known) == signature for known in self.instances):
            return False
        self.instances.append(instance)
        self.span_start = min(self.span_start, instance.change.span_start)
        self.span_end = max(self.span_end, instance.change.span_end)
        self.variants = _variants(self)
        return True


def group_key(change: Change) -> str:
    """The bucket a change is compared in (rule 1)."""
    return f"{change.kind}:{change.where_key}"


def similarity(a: str, b: str) -> float:
    """0..100 between two comparison forms (see the module docstring)."""
    if a == b:
        return 100.0
    if min(len(a.split()), len(b.split())) < SHORT_WORDS:
        return fuzz.token_sort_ratio(a, b)
    return fuzz.ratio(a, b)


def overlaps(first: Change, second: Change) -> bool:
    s1, e1, s2, e2 = first.span_start, first.span_end, second.span_start, second.span_end
    if s1 == e1 or s2 == e2:
        return max(s1, s2) <= min(e1, e2)
    return max(s1, s2) < min(e1, e2)


def over(change: Change, start: int, end: int) -> str:
    """The change's wording laid over the version's span start..end (comparison form)."""
    if change.kind != REPLACE:
        return comparison_form(change.replacement)
    toks = tokens(change.base_text)
    return comparison_form(
        "".join(toks[start : change.span_start])
        + change.replacement
        + "".join(toks[change.span_end : end])
    )


def belongs_with(first: Change, second: Change) -> float | None:
    """The score at which two changes belong together (rules 1 to 4), else None."""
    if group_key(first) != group_key(second):
        return None
    if first.kind in (REWRITE, REMOVE):
        return 100.0
    if first.kind == REPLACE:
        if not overlaps(first, second):
            return None
        start = min(first.span_start, second.span_start)
        end = max(first.span_end, second.span_end)
        score = similarity(over(first, start, end), over(second, start, end))
    else:
        score = similarity(comparison_form(first.replacement), comparison_form(second.replacement))
    return score if score >= GROUP_SIMILARITY else None


def group_changes(changes: list[ChangeInstance]) -> list[Group]:
    """All the changes of a version's calls as groups with their variants (rules 1-6)."""
    distinct: dict[tuple, list[ChangeInstance]] = {}
    for instance in changes:
        distinct.setdefault(_change_signature(instance.change), []).append(instance)
    signatures = sorted(distinct)
    parent = list(range(len(signatures)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict[str, list[int]] = {}
    for index, signature in enumerate(signatures):
        buckets.setdefault(group_key(distinct[signature][0].change), []).append(index)
    for members in buckets.values():
        for x, first in enumerate(members):
            for second in members[x + 1 :]:
                a, b = distinct[signatures[first]][0], distinct[signatures[second]][0]
                if belongs_with(a.change, b.change) is not None:
                    parent[root(first)] = root(second)
    parts: dict[int, list[ChangeInstance]] = {}
    for index, signature in enumerate(signatures):
        parts.setdefault(root(index), []).extend(distinct[signature])
    groups = [_group_of(instances) for instances in parts.values()]
    return sorted(groups, key=_group_rank)


def match_group(change: Change, existing_groups: list[Group]) -> Group | None:
    """The group a new change joins, or None when it starts a new one (rule 7)."""
    best, best_score = None, -1.0
    key = group_key(change)
    for group in existing_groups:
        if group.key != key:
            continue
        score = max(
            (belongs_with(change, member.change) or -1.0 for member in group.instances),
            default=-1.0,
        )
        if score > best_score and score >= 0:
            best, best_score = group, score
    return best


def new_group(instance: ChangeInstance) -> Group:
    return _group_of([instance])


def _group_of(instances: list[ChangeInstance]) -> Group:
    first = instances[0].change
    group = Group(
        key=group_key(first),
        kind=first.kind,
        passage_key=first.passage_key,
        after_key=first.after_key,
        span_start=min(i.change.span_start for i in instances),
        span_end=max(i.change.span_end for i in instances),
        base_text=first.base_text,
    )
    for instance in instances:
        if not any(_signature(known) == _signature(instance) for known in group.instances):
            group.instances.append(instance)
    group.variants = _variants(group)
    return group


def _variants(group: Group) -> list[Variant]:
    by_wording: dict[str, list[ChangeInstance]] = {}
    for instance in group.instances:
        wording = over(instance.change, group.span_start, group.span_end)
        by_wording.setdefault(wording, []).append(instance)
    wordings = sorted(by_wording)
    parent = list(range(len(wordings)))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for x, first in enumerate(wordings):
        for y in range(x + 1, len(wordings)):
            if fuzz.ratio(first, wordings[y]) >= VARIANT_SIMILARITY:
                parent[root(x)] = root(y)
    parts: dict[int, list[str]] = {}
    for index, wording in enumerate(wordings):
        parts.setdefault(root(index), []).append(wording)
    variants = []
    for members in parts.values():

        def evidence(wording: str) -> tuple:
            found = by_wording[wording]
            return (-len({i.rep_id for i in found}), -len({i.call_id for i in found}), wording)

        lead = min(members, key=evidence)
        instances = [i for wording in members for i in by_wording[wording]]
        representative = min(by_wording[lead], key=lambda i: (str(i.call_id), str(i.rep_id)))
        variants.append(
            Variant(
                wording=lead,
                change=representative.change,
                call_ids={i.call_id for i in instances},
                rep_ids={i.rep_id for i in instances},
                instances=instances,
            )
        )
    return sorted(variants, key=lambda v: (-len(v.rep_ids), -len(v.call_ids), v.wording))


def _group_rank(group: Group) -> tuple:
    return (
        -len(group.rep_ids),
        -len(group.call_ids),
        group.key,
        group.span_start,
        group.best.wording,
    )


def _change_signature(change: Change) -> tuple:
    return (
        group_key(change),
        change.span_start,
        change.span_end,
        comparison_form(change.replacement),
    )


def _signature(instance: ChangeInstance) -> tuple:
    return (str(instance.call_id), _change_signature(instance.change))


__all__ = [
    "INSERT",
    "REMOVE",
    "REPLACE",
    "REWRITE",
    "ChangeInstance",
    "Group",
    "Variant",
    "group_changes",
    "group_key",
    "match_group",
    "new_group",
    "similarity",
]
