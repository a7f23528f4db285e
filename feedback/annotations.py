"""What feedback puts on messaging's pages, through messaging.annotations (messaging
may not import feedback, so feedback registers these in FeedbackConfig.ready()):

- customer quotes on the passage they were about (CallLog.quote_passage_key);
- a "drifting" badge on a passage sales keeps changing (PassageDrift), and on its
  message in the library and on the message page.

Each provider answers for a whole page with one query, whatever the number of passages,
quotes or messages.
"""

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from leads.policies import customer_data_q
from messaging.annotations import Annotation, AnnotationItem
from messaging.models import MessageVersion

from .models import CallLog, PassageDrift
from .policies import DriftPolicy

# Quotes shown on a passage; the rest are one "all N quotes" link away.
QUOTES_SHOWN = 3


def source_version_id(version: MessageVersion) -> int | None:
    """The version whose calls speak about these passages: the version itself once
    published; for a draft, the version it was opened from (its passages keep their keys,
    so what customers said about v4's passage is shown on the draft's continuation)."""
    return version.based_on_id if version.is_draft else version.pk


def passage_quotes(*, version: MessageVersion, user=None) -> dict[str, list[Annotation]]:
    """The newest QUOTES_SHOWN quotes on each passage, with how many there are: one
    query (window functions rank and count the quotes per passage in the database)."""
    source = source_version_id(version)
    if source is None:
        return {}
    by_key, newest = F("quote_passage_key"), F("occurred_at").desc()
    quotes = (
        CallLog.objects.filter(version_id=source)
        # A salesperson reads their own team's customers' words (customer_data_q).
        .filter(customer_data_q(user) if user is not None else Q())
        .exclude(quote="")
        .exclude(quote_passage_key="")
        .select_related("salesperson")
        .only(
            "quote",
            "quote_passage_key",
            "reaction",
            "occurred_at",
            "salesperson__first_name",
            "salesperson__last_name",
            "salesperson__username",
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[by_key], order_by=[newest, F("pk").desc()]),
            total=Window(Count("pk"), partition_by=[by_key]),
        )
        .filter(rank__lte=QUOTES_SHOWN)
        .order_by("quote_passage_key", "rank")
    )
    grouped: dict[str, list[CallLog]] = {}
    for call in quotes:
        grouped.setdefault(call.quote_passage_key, []).append(call)
    notes = {}
    for key, calls in grouped.items():
        total = calls[0].total
        items = tuple(
            AnnotationItem(
                text=call.quote,
                byline=(
                    f"{call.salesperson.get_full_name() or call.salesperson.get_username()}, "
                    f"{call.get_reaction_display().lower()}"
                ),
                when=call.occurred_at,
            )
            for call in calls
        )
        more = total > len(items)
        notes[key] = [
            Annotation(
                kind="quotes",
                label=f"{total} quote{'s' if total != 1 else ''}",
                items=items,
                url=reverse("feedback:passage_quotes", args=[source, key]) if more else "",
                url_label=f"All {total} quotes" if more else "",
            )
        ]
    return notes


def passage_drifts(*, version: MessageVersion, user=None) -> dict[str, list[Annotation]]:
    """A "drifting" note on each flagged passage, with its figures and, for marketing,
    the button that marks it reviewed. One query."""
    source = source_version_id(version)
    if source is None:
        return {}
    notes = {}
    for drift in PassageDrift.objects.filter(version_id=source).select_related("reviewed_by"):
        share = f"{drift.share:.0%}"
        if drift.reviewed_at:
            who = drift.reviewed_by.get_full_name() if drift.reviewed_by else "a marketer"
            notes[drift.passage_key] = [
                Annotation(
                    kind="drift-reviewed",
                    label="drift reviewed",
                    detail=(
                        f"Sales changed this passage in {drift.calls} calls ({share}). "
                        f"Reviewed by {who} on {timezone.localtime(drift.reviewed_at):%d %b %Y}."
                    ),
                )
            ]
            continue
        may_review = user is not None and DriftPolicy(user, drift).can_review()
        notes[drift.passage_key] = [
            Annotation(
                kind="drift",
                label="drifting",
                detail=(
                    f"Sales changed this passage in {drift.calls} calls ({share} of the "
                    "calls using this version): the field no longer says it as written."
                ),
                action_url=(
                    reverse("feedback:passage_drift_review", args=[drift.pk]) if may_review else ""
                ),
                action_label="Mark reviewed",
            )
        ]
    return notes


def message_drifts(*, message_ids, user=None) -> dict[int, list[Annotation]]:
    """A "drifting" badge on each message whose live version has an unreviewed drifting
    passage. One query for the whole page of messages."""
    rows = (
        PassageDrift.objects.filter(
            version__message_id__in=message_ids,
            version__status=MessageVersion.Status.LIVE,
            reviewed_at__isnull=True,
        )
        .values("version__message_id")
        .annotate(passages=Count("pk"))
        .order_by()
    )
    return {
        row["version__message_id"]: [
            Annotation(
                kind="drift",
                label="drifting",
                detail=(
                    f"Sales keeps changing {row['passages']} passage"
                    f"{'s' if row['passages'] != 1 else ''} of the live version."
                ),
            )
        ]
        for row in rows
    }


# A live version whose wording reps rewrote in more than this share of its counted calls
# (at least DRIFT_MIN_CALLS of them) is a reason for its owner to review the message.
REWRITE_SHARE = 0.5


def message_review_reasons(*, message_ids) -> dict[int, list[str]]:
    """Reasons from the field to review these messages (messaging.freshness): drifting
    passages of the live version not yet reviewed, and a high share of calls in which
    reps rewrote the wording. One query for any number of messages."""
    from django.conf import settings
    from django.db.models import IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    drifts = (
        PassageDrift.objects.filter(version=OuterRef("pk"), reviewed_at__isnull=True)
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        MessageVersion.objects.filter(message_id__in=message_ids, status=MessageVersion.Status.LIVE)
        .annotate(drifting=Coalesce(Subquery(drifts, output_field=IntegerField()), 0))
        .values("message_id", "drifting", "stats__uses", "stats__edited_uses")
    )
    reasons: dict[int, list[str]] = {}
    for row in rows:
        found = []
        if n := row["drifting"]:
            found.append(f"{n} passage{'s' if n != 1 else ''} drifting in the field.")
        uses, edited = row["stats__uses"] or 0, row["stats__edited_uses"] or 0
        if uses >= settings.DRIFT_MIN_CALLS and edited / uses > REWRITE_SHARE:
            found.append(f"Reps rewrote the wording in {edited / uses:.0%} of {uses} calls.")
        if found:
            reasons.setdefault(row["message_id"], []).extend(found)
    return reasons
