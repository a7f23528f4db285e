"""The engine's figures rebuilt in bulk from the raw rows: VersionStats and the
suggestions' evidence (with feedback.evidence's formula, the engine's own)."""

import dataclasses
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from feedback.evidence import Evidence, suggestion_evidence
from feedback.models import CallLog, PassageEdit, Suggestion, SuggestionVariant, VersionStats
from leads.models import (
    Lead,
)


def version_stats_rebuild() -> int:
    """Rebuild every VersionStats row from the call logs with grouped aggregates.

    The same figures call_log_process keeps one call at a time (uses, edited uses,
    reactions, outcomes, objections, last use), in four grouped queries instead of a
    million locked increments.
    """
    reaction = {f"reaction_{r}": Count("pk", filter=Q(reaction=r)) for r in range(1, 6)}
    base = (
        CallLog.objects.order_by()
        .values("version_id")
        .annotate(
            uses=Count("pk"),
            edited_uses=Count("pk", filter=Q(has_edits=True)),
            last_used_at=Max("occurred_at"),
            **reaction,
        )
    )
    outcomes: dict[int, dict] = defaultdict(dict)
    for row in CallLog.objects.order_by().values("version_id", "outcome").annotate(n=Count("pk")):
        outcomes[row["version_id"]][row["outcome"]] = row["n"]
    objections: dict[int, dict] = defaultdict(dict)
    through = CallLog.objections.through
    for row in (
        through.objects.order_by()
        .values("calllog__version_id", "objectiontag__name")
        .annotate(n=Count("pk"))
    ):
        objections[row["calllog__version_id"]][row["objectiontag__name"]] = row["n"]
    now = timezone.now()
    rows = [
        VersionStats(
            version_id=row["version_id"],
            uses=row["uses"],
            edited_uses=row["edited_uses"],
            last_used_at=row["last_used_at"],
            outcomes=outcomes[row["version_id"]],
            objections=objections[row["version_id"]],
            updated_at=now,
            **{name: row[name] for name in reaction},
        )
        for row in base
    ]
    with transaction.atomic():
        VersionStats.objects.all().delete()
        VersionStats.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def suggestion_evidence_rebuild() -> int:
    """Recompute every suggestion's evidence (feedback.services.suggestion_refresh's
    figures, by the same formula: feedback.evidence.suggestion_evidence) with grouped
    aggregates: "with" = the calls whose edit it groups, "without"
    = the other calls on its version; positive = reaction 4 or 5, win = lead won.
    The proposed wording is the most frequent edited text (the medoid of identical
    wordings)."""
    positive = Q(reaction__gte=CallLog.Reaction.POSITIVE)
    won = Q(lead__status=Lead.Status.WON)
    per_version = {
        row["version_id"]: row
        for row in CallLog.objects.order_by()
        .values("version_id")
        .annotate(
            calls=Count("pk"), positive=Count("pk", filter=positive), wins=Count("pk", filter=won)
        )
    }
    with_edit = {
        row["suggestion_id"]: row
        for row in PassageEdit.objects.filter(suggestion__isnull=False)
        .order_by()
        .values("suggestion_id")
        .annotate(
            calls=Count("call_log_id", distinct=True),
            reps=Count("call_log__salesperson_id", distinct=True),
            positive=Count("call_log_id", distinct=True, filter=Q(call_log__reaction__gte=4)),
            wins=Count("call_log_id", distinct=True, filter=Q(call_log__lead__status="won")),
        )
    }
    texts: dict[int, Counter] = defaultdict(Counter)
    for sid, text in (
        PassageEdit.objects.filter(suggestion__isnull=False, kind="rewrite")
        .order_by()
        .values_list("suggestion_id", "edited_text")
    ):
        texts[sid][text] += 1
    suggestions = list(Suggestion.objects.all())
    variant_fields = {}
    for s in suggestions:
        w = with_edit.get(s.pk, {"calls": 0, "reps": 0, "positive": 0, "wins": 0})
        v = per_version.get(s.version_id, {"calls": 0, "positive": 0, "wins": 0})
        evidence = suggestion_evidence(
            calls=w["calls"],
            reps=w["reps"],
            positive=w["positive"],
            wins=w["wins"],
            version_calls=v["calls"],
            version_positive=v["positive"],
            version_wins=v["wins"],
        )
        for name, value in evidence.fields().items():
            setattr(s, name, value)
        if texts[s.pk]:
            s.proposed_text = texts[s.pk].most_common(1)[0][0]
        variant_fields[s.pk] = {**evidence.fields(), "wording": s.proposed_text}
    # The evidence fields are Evidence's, named as on Suggestion (feedback.evidence).
    fields = [field.name for field in dataclasses.fields(Evidence)] + ["proposed_text"]
    with transaction.atomic():
        Suggestion.objects.bulk_update(suggestions, fields, batch_size=1000)
        # Each seeded suggestion has one variant holding all its edits: the same figures.
        variants = list(SuggestionVariant.objects.filter(suggestion_id__in=variant_fields))
        for variant in variants:
            for name, value in variant_fields[variant.suggestion_id].items():
                setattr(variant, name, value)
        variant_names = [field.name for field in dataclasses.fields(Evidence)] + ["wording"]
        SuggestionVariant.objects.bulk_update(variants, variant_names, batch_size=1000)
    return len(suggestions)
