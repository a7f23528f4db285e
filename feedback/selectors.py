"""The reads that feedback pages need, each a fixed number of queries."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.http import Http404
from django.utils import timezone

from leads.models import Lead, Opportunity
from messaging.models import Message, MessageVersion, Passage

from .filters import SuggestionFilter
from .models import CallLog, ObjectionTag, PassageEdit, Suggestion, SuggestionComment
from .policies import SuggestionPolicy

# --- Call logs ------------------------------------------------------------------------


def loggable_leads(*, user):
    """The salesperson's leads that a call can be logged on (accepted, in progress)."""
    return (
        Lead.objects.filter(owner=user, status__in=[Lead.Status.ACCEPTED, Lead.Status.OPPORTUNITY])
        .select_related("account", "play")
        .order_by("last_name", "first_name")
    )


def version_choices(*, lead=None, include=None):
    """Versions offered for a call: the live version of every message, and every
    published version of the messages in the lead's play (older ones can be chosen)."""
    play_messages = []
    if lead is not None and lead.play_id:
        play_messages = list(
            lead.play.steps.exclude(message=None).values_list("message_id", flat=True)
        )
    condition = Q(status=MessageVersion.Status.LIVE) | Q(
        message_id__in=play_messages,
        status__in=[MessageVersion.Status.LIVE, MessageVersion.Status.RETIRED],
    )
    if include is not None:
        condition |= Q(pk=include.pk)
    return (
        MessageVersion.objects.filter(condition)
        .select_related("message")
        .order_by("message__title", "-number")
    )


def default_version_for(lead) -> MessageVersion | None:
    """The play's first step with a live message, else nothing: the rep chooses."""
    if lead is None or not lead.play_id:
        return None
    step = (
        lead.play.steps.filter(message__live_version__isnull=False)
        .select_related("message__live_version")
        .order_by("position", "day_offset")
        .first()
    )
    return step.message.live_version if step else None


def readable_version(*, pk) -> MessageVersion:
    version = MessageVersion.objects.published().select_related("message").filter(pk=pk).first()
    if version is None:
        raise Http404("No such published version.")
    return version


def call_log_detail(*, user, pk) -> CallLog:
    call_log = (
        CallLog.objects.visible_to(user)
        .select_related("lead", "salesperson", "version__message")
        .prefetch_related("objections", "passage_edits")
        .filter(pk=pk)
        .first()
    )
    if call_log is None:
        raise Http404("No such call log.")
    return call_log


# --- Suggestions ----------------------------------------------------------------------


def suggestion_inbox(*, data):
    """Suggestions ranked by evidence, with what each page row shows, in 4 queries."""
    queryset = Suggestion.objects.select_related(
        "message__live_version", "version", "accepted_into"
    ).ranked()
    return SuggestionFilter(data or None, queryset=queryset)


def filtered_message(filterset):
    """The message the inbox is narrowed to by a message page's link, if any."""
    if not filterset.is_valid() or not filterset.form.cleaned_data.get("message"):
        return None
    return Message.objects.filter(pk=filterset.form.cleaned_data["message"]).first()


def decorate_suggestions(suggestions: list[Suggestion], *, quotes_per_suggestion: int = 3) -> None:
    """Attach to each suggestion: `current_text` (the passage in the live version, when
    the live version still has it), `shown_against` (that version) and `quotes`."""
    if not suggestions:
        return
    live_ids = {s.message.live_version_id for s in suggestions if s.message.live_version_id}
    keys = {s.passage_key for s in suggestions}
    current = {
        (p.version_id, p.key): p.text
        for p in Passage.objects.filter(version_id__in=live_ids, key__in=keys).only(
            "version_id", "key", "text"
        )
    }
    quotes = defaultdict(list)
    for edit in (
        PassageEdit.objects.filter(suggestion__in=suggestions)
        .exclude(call_log__quote="")
        .select_related("call_log__salesperson")
        .order_by("-call_log__occurred_at")[: 20 * len(suggestions)]
    ):
        bucket = quotes[edit.suggestion_id]
        if len(bucket) < quotes_per_suggestion:
            bucket.append(edit.call_log)
    for suggestion in suggestions:
        live = suggestion.message.live_version
        key = (live.pk, suggestion.passage_key) if live else None
        suggestion.shown_against = live if key in current else None
        suggestion.current_text = current.get(key)
        suggestion.quotes = quotes.get(suggestion.pk, [])


def suggestion_detail(*, user, pk):
    """A suggestion with its calls and thread; marketing and its contributors only."""
    suggestion = (
        Suggestion.objects.select_related(
            "message__live_version", "version", "accepted_into", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if suggestion is None:
        raise Http404("No such suggestion.")
    edits = list(
        suggestion.edits.select_related("call_log__salesperson", "call_log__lead").order_by(
            "-call_log__occurred_at"
        )
    )
    contributor_ids = {edit.call_log.salesperson_id for edit in edits}
    if not SuggestionPolicy(user, suggestion, contributor_ids=contributor_ids).can_view():
        raise Http404("No such suggestion.")
    comments = list(
        SuggestionComment.objects.filter(suggestion=suggestion).select_related("author")
    )
    decorate_suggestions([suggestion])
    return suggestion, edits, comments


def contributions_of(*, user):
    """The suggestions a salesperson's wording is part of, newest first."""
    return (
        Suggestion.objects.filter(edits__call_log__salesperson=user)
        .select_related("message", "accepted_into")
        .distinct()
        .order_by("-updated_at")
    )


# --- Objections -----------------------------------------------------------------------


def objection_gaps(*, days: int = 90, limit: int = 10) -> list[ObjectionTag]:
    """Objections heard often in the last `days` that no live objection-handler message
    covers (a handler covers an objection when it is linked as the objection's handler,
    or when one of its tags or its title names it),
    ranked by how often they are heard, then by the open pipeline of the leads involved.
    """
    since = timezone.now() - timedelta(days=days)
    leads_with = CallLog.objects.filter(
        objections=OuterRef(OuterRef("pk")), occurred_at__gte=since
    ).values("lead_id")
    pipeline = (
        Opportunity.objects.filter(lead_id__in=leads_with)
        .exclude(stage=Opportunity.Stage.LOST)
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    heard = list(
        ObjectionTag.objects.filter(call_logs__occurred_at__gte=since)
        .select_related("handler")
        .annotate(heard=Count("call_logs", distinct=True), pipeline=Subquery(pipeline))
        .order_by("-heard", "name")[: limit * 5]
    )
    handlers = Message.objects.filter(
        kind=Message.Kind.OBJECTION_HANDLER, live_version__isnull=False
    ).prefetch_related("tags")
    covered_titles = []
    covered_tags = set()
    for handler in handlers:
        covered_titles.append(handler.title.lower())
        covered_tags.update(tag.name.lower() for tag in handler.tags.all())
    gaps = [
        tag
        for tag in heard
        if not (tag.handler_id and tag.handler.live_version_id)
        and tag.name.lower() not in covered_tags
        and not any(tag.name.lower() in title for title in covered_titles)
    ]
    gaps.sort(key=lambda tag: (-tag.heard, -(tag.pipeline or 0), tag.name))
    return gaps[:limit]


def objection_gaps_overview(*, limit: int = 5) -> list[ObjectionTag]:
    """The inbox's panel of objection gaps, cached for OBJECTION_GAPS_CACHE_SECONDS.

    Counting 90 days of objections with their pipeline costs seconds with a million
    call logs, and the inbox is opened all day; a few minutes' staleness is fine for an
    overview. The Objections page and the daily digest compute them fresh.
    """
    seconds = settings.OBJECTION_GAPS_CACHE_SECONDS
    if not seconds:
        return objection_gaps(limit=limit)
    return cache.get_or_set(
        f"feedback:objection-gaps:{limit}", lambda: objection_gaps(limit=limit), seconds
    )


def objection_tags_for_review():
    """The objection list: every current tag (merged ones are aliases, not shown)."""
    return (
        ObjectionTag.objects.exclude(status=ObjectionTag.Status.MERGED)
        .annotate(uses=Count("call_logs"))
        .select_related("proposed_by", "handler__live_version")
    )
