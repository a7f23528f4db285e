"""The definitions behind insight's figures, written once so two pages cannot disagree.

docs/figures.md states each figure in words and names the function here (or in
insight.selectors) that computes it. The rules that matter:

1. A touch is an Attempt; its time is `occurred_at`, the moment the rep says it happened
   (reps log calls after the fact, so this can be earlier than when it was typed in).
2. The first touch of a handoff is the earliest attempt at or after the lead's
   `handed_off_at`. Lead.first_touch_at is not used: it keeps a touch from before a
   recycle and is not lowered when an earlier attempt is logged after a later one.
3. A lead is due once its first-touch deadline has passed or it has been touched.
4. An SLA breach counts only if the lead really was not touched by that deadline: the
   breach is still open, or the attempt that resolved it happened after the deadline.
   The breach scan records a breach when nothing is *logged* by the deadline; an attempt
   logged later but dated before the deadline resolves the breach at a time before it
   (the team page's "touched 0 h late"): a false alarm, not a breach.
5. Within the SLA: due, first touched by the deadline, and no counted breach on the
   current handoff. So within + missed = due, and a lead with a breach is never within.
6. A real contact is an attempt whose outcome means a person answered: connected,
   replied or meeting booked (no answer and voicemail are tries, not contacts).
"""

from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
)

from leads.models import Attempt, Lead, Opportunity, SlaBreach

CONTACT_OUTCOMES = (
    Attempt.Outcome.CONNECTED,
    Attempt.Outcome.REPLIED,
    Attempt.Outcome.MEETING_BOOKED,
)


def first_touch_after_handoff():
    """Subquery: the earliest attempt at or after the lead's current handoff (rule 2)."""
    return Subquery(
        Attempt.objects.filter(lead=OuterRef("pk"), occurred_at__gte=OuterRef("handed_off_at"))
        .order_by()
        .values("lead")
        .annotate(first=Min("occurred_at"))
        .values("first")[:1],
        output_field=DateTimeField(),
    )


def with_first_touch(queryset):
    """Annotate `first_touch` (rule 2) and `time_to_first_touch` (first_touch minus the
    handoff; null when untouched)."""
    return queryset.annotate(first_touch=first_touch_after_handoff()).annotate(
        time_to_first_touch=ExpressionWrapper(
            F("first_touch") - F("handed_off_at"), output_field=DurationField()
        )
    )


def counted_breaches():
    """SlaBreach rows that count as breaches (rule 4), on the lead's current handoff."""
    return SlaBreach.objects.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("due_at")),
        due_at__gte=F("lead__handed_off_at"),
    )


def has_counted_breach():
    return Exists(counted_breaches().filter(lead=OuterRef("pk")))


def is_due(now) -> Q:
    """Rule 3; needs `first_touch` annotated."""
    return Q(first_touch__isnull=False) | Q(first_touch_due_at__lt=now)


def is_within_sla() -> Q:
    """Rule 5; needs `first_touch` and `breached` (has_counted_breach) annotated."""
    return Q(first_touch__isnull=False, first_touch__lte=F("first_touch_due_at"), breached=False)


def was_contacted():
    """Rule 6: at least one attempt with a real contact."""
    return Exists(Attempt.objects.filter(lead=OuterRef("pk"), outcome__in=CONTACT_OUTCOMES))


DISQUALIFIED = Q(status=Lead.Status.DISQUALIFIED)
HAS_OPPORTUNITY = Q(opportunity__isnull=False)
WON = Q(opportunity__stage=Opportunity.Stage.WON)
