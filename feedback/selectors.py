"""The reads that feedback pages need, each a fixed number of queries."""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Q,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property

from leads.models import Lead, Opportunity
from leads.policies import customer_data_q
from leads.selectors import url_maker
from messaging.models import Message, MessageVersion, Passage
from messaging.passages import tokens

from .filters import SuggestionFilter
from .models import (
    CallLog,
    ObjectionTag,
    PassageDrift,
    PassageEdit,
    Suggestion,
    SuggestionComment,
    SuggestionCount,
)
from .policies import SuggestionPolicy
from .quotes import QUOTES_SHOWN, latest_quoted_calls
from .services.suggestions import variant_over_span

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
        # A subquery: read only if the choices are (a valid post validates without them).
        play_messages = lead.play.steps.exclude(message=None).values("message_id")
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


def play_versions(*, lead, include=None):
    """The versions a quick log offers: the live versions the lead's play recommends,
    in the play's order (first the one its earliest step uses), or every live version
    when the lead has no play; plus `include` (the version already chosen)."""
    ids = []
    if lead is not None and lead.play_id:
        for live_id in (
            lead.play.steps.filter(message__live_version__isnull=False)
            .order_by("position", "day_offset")
            .values_list("message__live_version", flat=True)
        ):
            if live_id not in ids:
                ids.append(live_id)
    if not ids:
        return version_choices(lead=None, include=include)
    if include is not None and include.pk not in ids:
        ids.append(include.pk)
    order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)])
    return MessageVersion.objects.filter(pk__in=ids).select_related("message").order_by(order)


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


def call_log_leads(*, call_log):
    """A correction keeps the call's lead: the only choice its form offers."""
    return Lead.objects.filter(pk=call_log.lead_id)


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


def inbox_cards(queryset):
    """The inbox's suggestions with only what their cards show of their message and
    version (title, live version id, number): not three message versions per card with
    their whole bodies, read and dropped."""
    fields = [field.name for field in Suggestion._meta.concrete_fields]
    return (
        queryset.select_related(None)
        .select_related("message", "version")
        .only(*fields, "message__title", "message__live_version", "version__number")
    )


class CountedPaginator(Paginator):
    """A paginator told its count (from a rollup) instead of counting the rows."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def suggestion_inbox_count(filterset) -> SuggestionCount | None:
    """How many suggestions the inbox lists, from the counts rollup (SuggestionCount)
    when it is filtered by status alone (its default: the open ones; or any status),
    else None: narrowed by message, title or support, the list is counted as it is
    read. The returned row's `updated_at` says how fresh the count is."""
    if not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    if data.get("title") or data.get("message") or data.get("min_reps") is not None:
        return None
    statuses = [data["status"]] if data.get("status") else Suggestion.Status.values
    rows = list(SuggestionCount.objects.filter(status__in=statuses))
    if len(rows) != len(statuses):
        return None  # never counted (a database the rollups were not built on)
    return SuggestionCount(
        count=sum(row.count for row in rows), updated_at=min(row.updated_at for row in rows)
    )


def filtered_message(filterset):
    """The message the inbox is narrowed to by a message page's link, if any."""
    if not filterset.is_valid() or not filterset.form.cleaned_data.get("message"):
        return None
    return Message.objects.filter(pk=filterset.form.cleaned_data["message"]).first()


ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth"]  # fmt: skip


def _ordinal(index: int) -> str:
    return ORDINALS[index] if index < len(ORDINALS) else f"{index + 1}th"


def _compare(with_rate, without_rate, *, more: str, less: str, same: str) -> str:
    if with_rate is None or without_rate is None:
        return ""
    if abs(with_rate - without_rate) < 0.005:
        return same
    return more if with_rate > without_rate else less


def suggestion_summary(suggestion: Suggestion, paragraph: int | None) -> str:
    """One sentence saying who changed what, where, and how their calls went:
    "6 salespeople changed the second sentence of paragraph 2 in a similar way (9
    calls); calls that used the change were more positive and won more."""
    s = suggestion
    who = f"{s.rep_count} {'salesperson' if s.rep_count == 1 else 'salespeople'}"
    where = f"paragraph {paragraph}" if paragraph else "a paragraph"
    kind = s.kind
    if kind == PassageEdit.Kind.REPLACE:
        what = (
            f"changed the {_ordinal(s.sentence)} sentence of {where}"
            if s.sentence is not None
            else f"changed words in {where}"
        )
    elif kind == PassageEdit.Kind.REWRITE:
        what = f"rewrote {where}"
    elif kind == PassageEdit.Kind.REMOVE:
        what = f"left {where} out"
    else:
        what = f"added a paragraph after {where}" if s.after_key else "added an opening paragraph"
    similar = " in a similar way" if s.rep_count > 1 and kind != PassageEdit.Kind.REMOVE else ""
    calls = f"{s.call_count} call{'s' if s.call_count != 1 else ''}"
    if not s.without_count:
        outcome = "no calls without the change to compare with yet"
    else:
        parts = [
            _compare(s.with_positive, s.without_positive, more="more positive",
                     less="less positive", same="as positive"),
            _compare(s.with_wins, s.without_wins, more="won more", less="won less",
                     same="won as often"),
        ]  # fmt: skip
        parts = [p for p in parts if p]
        if len(parts) == 2 and parts[0].endswith("positive"):
            outcome = f"calls that used the change were {parts[0]} and {parts[1]}"
        elif parts:
            outcome = f"calls that used the change {' and '.join(parts)}"
        else:
            outcome = "too few calls to compare"
    return f"{who} {what}{similar} ({calls}); {outcome}."


def figures_as_of(suggestions: list[Suggestion], count: SuggestionCount | None = None):
    """How fresh the figures on these cards (and the count, when it came from the
    rollup) are: the oldest time one of them was recomputed (None for none). The
    evidence is a rollup the engine keeps: every open suggestion of a version is
    recomputed when calls on the version are counted, and every open one hourly
    (suggestions_refresh_task: wins change as deals close); a decided suggestion
    keeps the figures it was decided on."""
    times = [s.updated_at for s in suggestions] + ([count.updated_at] if count else [])
    return min(times, default=None)


def _after_text(suggestion: Suggestion) -> str:
    """The passage as it reads with the suggestion's best wording (for the redline)."""
    if suggestion.kind == PassageEdit.Kind.REPLACE:
        toks = tokens(suggestion.base_text)
        return (
            "".join(toks[: suggestion.span_start])
            + suggestion.proposed_text
            + "".join(toks[suggestion.span_end :])
        )
    if suggestion.kind == PassageEdit.Kind.REMOVE:
        return ""
    return suggestion.proposed_text


def _quotes_of(
    suggestions: list[Suggestion], *, per: int, user, known: dict[int, CallLog]
) -> dict[int, list[CallLog]]:
    """Suggestion id -> the calls of its quotes (feedback.quotes), newest first. For
    whoever may read every team's calls, from the rollup the engine keeps
    (Suggestion.quote_call_ids); for someone who may read only their team's calls
    (customer_data_q), the rule computed over the calls they may read (one query).
    The calls are then read by primary key (a read bounded by the page, whatever the
    suggestions' support), except those in `known` (already read by the caller)."""
    visible = customer_data_q(user, "call_log__salesperson") if user is not None else Q()
    if visible or per > QUOTES_SHOWN:
        latest = latest_quoted_calls([s.pk for s in suggestions], per=per, visible=visible)
    else:
        latest = {s.pk: s.quote_call_ids[:per] for s in suggestions if s.quote_call_ids}
    wanted = {pk for ids in latest.values() for pk in ids} - set(known)
    calls = dict(known)
    if wanted:
        calls |= CallLog.objects.select_related("salesperson").only(
            "quote", "salesperson", "salesperson__username", "salesperson__first_name",
            "salesperson__last_name",
        ).in_bulk(wanted)  # fmt: skip
    return {sid: [calls[pk] for pk in ids if pk in calls] for sid, ids in latest.items()}


def decorate_suggestions(
    suggestions: list[Suggestion],
    *,
    quotes_per_suggestion: int = QUOTES_SHOWN,
    user=None,
    calls: dict[int, CallLog] | None = None,
) -> None:
    """Attach to each suggestion what its card shows, in 2 queries whatever their
    number: `paragraph` (its passage's number in the version the calls used, for an
    addition the one it follows), `summary` (suggestion_summary), `after_text` (the
    passage with the change), `live_has_passage` (whether the live version still has
    the passage, so the change can still land), `detail_url`, `kind_label`,
    `status_label`, and `quotes` (_quotes_of: for a `user`,
    only those of calls their team logged; `calls`, by id, are calls the caller has
    read already, not read again)."""
    if not suggestions:
        return
    version_ids = {s.version_id for s in suggestions}
    live_ids = {s.message.live_version_id for s in suggestions if s.message.live_version_id}
    keys = {s.passage_key or s.after_key for s in suggestions} - {""}
    positions = {}
    in_live = set()
    for version_id, key, position in Passage.objects.filter(
        version_id__in=version_ids | live_ids, key__in=keys
    ).values_list("version_id", "key", "position"):
        if version_id in version_ids:
            positions[(version_id, key)] = position + 1
        if version_id in live_ids:
            in_live.add((version_id, key))
    quotes = _quotes_of(suggestions, per=quotes_per_suggestion, user=user, known=calls or {})
    detail_url = url_maker("feedback:suggestion_detail")  # one reverse() for the cards
    for suggestion in suggestions:
        suggestion.detail_url = detail_url(suggestion.pk)
        # Labels once here: get_FOO_display rebuilds the choices per call, twice a card.
        suggestion.kind_label = PassageEdit.Kind(suggestion.kind).label
        suggestion.status_label = Suggestion.Status(suggestion.status).label
        key = suggestion.passage_key or suggestion.after_key
        suggestion.paragraph = positions.get((suggestion.version_id, key))
        suggestion.summary = suggestion_summary(suggestion, suggestion.paragraph)
        suggestion.after_text = _after_text(suggestion)
        live = suggestion.message.live_version_id
        suggestion.live_has_passage = not key or (live, key) in in_live
        suggestion.quotes = quotes.get(suggestion.pk, [])


def _breakdown(edits) -> dict:
    """Reactions, outcomes, objections and quotes of the distinct calls behind edits."""
    calls = list({edit.call_log_id: edit.call_log for edit in edits}.values())
    reactions = Counter(call.reaction for call in calls)
    outcomes = Counter(call.get_outcome_display() for call in calls)
    objections = Counter(tag.name for call in calls for tag in call.objections.all())
    return {
        "calls": calls,
        "reactions": [
            (label, reactions.get(value, 0)) for value, label in CallLog.Reaction.choices
        ],
        "outcomes": outcomes.most_common(),
        "objections": objections.most_common(),
        "quotes": [call for call in calls if call.quote][:5],
    }


def suggestion_detail(*, user, pk):
    """A suggestion with its variants, their evidence, its calls and thread, in a fixed
    number of queries; marketing and its contributors only.

    Each variant gets `breakdown` (reactions, outcomes, objections raised and quotes of
    its calls) and the suggestion gets the same over all its calls."""
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
        suggestion.edits.select_related("call_log__salesperson", "call_log__lead")
        .prefetch_related("call_log__objections")
        .order_by("-call_log__occurred_at", "pk")
    )
    contributor_ids = {edit.call_log.salesperson_id for edit in edits}
    if not SuggestionPolicy(user, suggestion, contributor_ids=contributor_ids).can_view():
        raise Http404("No such suggestion.")
    _hide_other_teams_quotes(user, [edit.call_log for edit in edits])
    comments = list(
        SuggestionComment.objects.filter(suggestion=suggestion).select_related("author")
    )
    variants = list(suggestion.variants.all())
    by_variant = defaultdict(list)
    for edit in edits:
        by_variant[edit.variant_id].append(edit)
    for variant in variants:
        variant.breakdown = _breakdown(by_variant.get(variant.pk, []))
        variant.over_span = variant_over_span(suggestion, variant)
    suggestion.variant_list = variants
    suggestion.breakdown = _breakdown(edits)
    # The quotes are among the calls just read (their other teams' quotes blanked).
    decorate_suggestions(
        [suggestion], user=user, calls={edit.call_log_id: edit.call_log for edit in edits}
    )
    return suggestion, edits, comments


def _hide_other_teams_quotes(user, calls) -> None:
    """Blank (in memory) the customer quotes of calls another team logged: a
    salesperson sees their own team's customer data (leads.policies.customer_data_q).
    The wording stays: comparing it is what a suggestion is for."""
    visible = customer_data_q(user, "pk")
    if not visible:  # marketing and admins: everything
        return
    writers = {call.salesperson_id for call in calls}
    allowed = set(
        get_user_model().objects.filter(visible, pk__in=writers).values_list("pk", flat=True)
    )
    for call in calls:
        if call.salesperson_id not in allowed:
            call.quote = ""


def contributions_of(*, user):
    """The suggestions a salesperson's wording is part of, newest first."""
    return (
        Suggestion.objects.filter(edits__call_log__salesperson=user)
        .select_related("message", "accepted_into")
        .distinct()
        .order_by("-updated_at")
    )


# --- Objections -----------------------------------------------------------------------

# The opportunities still to be won or lost: the pipeline an objection puts at stake.
OPEN_STAGES = (
    Opportunity.Stage.DISCOVERY,
    Opportunity.Stage.PROPOSAL,
    Opportunity.Stage.NEGOTIATION,
)


def objection_gaps(*, days: int = 90, limit: int = 10) -> list[ObjectionTag]:
    """Objections heard in the last `days` that no live objection-handler message covers
    (a handler covers an objection when it is linked as the objection's handler, or
    when one of its tags or its title names it), ranked
    by the pipeline at stake, then by how often they are heard.

    The pipeline at stake (`pipeline`) is the sum of the open opportunities' amounts
    (not won, not lost) on the leads whose calls raised the objection in the period;
    `leads_at_stake` counts those leads and `heard` the calls. An objection that stands
    between us and open deals is the one to answer first, however rarely it comes up.
    Amounts are summed as stored, whatever their currency. Five queries, none of them
    run per objection or per call: the pipeline used to be two correlated subqueries in
    the grouped query, which PostgreSQL evaluated for every (call, objection) row before
    grouping (90+ s on 60,000 calls without statistics, issue 19). Now the (objection,
    lead) pairs of the period and those leads' open deals are read once each and added
    up here.
    """
    now = timezone.now()
    since = now - timedelta(days=days)
    # Bounded on both sides (no call is logged in the future, feedback.services.calls):
    # without statistics PostgreSQL takes a one-sided range for a third of the table and
    # scans it whole; a range, for a small part, read through calllog_occurred_idx.
    window = (since, now)
    handlers = Message.objects.filter(
        kind=Message.Kind.OBJECTION_HANDLER, live_version__isnull=False
    ).prefetch_related("tags")
    covered_titles = []
    covered_tags = set()
    for handler in handlers:
        covered_titles.append(handler.title.lower())
        covered_tags.update(tag.name.lower() for tag in handler.tags.all())
    # Every heard tag is read: the objection list is curated (tens of names), and a
    # covered tag skipped in Python must not push an uncovered one out of a LIMIT.
    heard = list(
        ObjectionTag.objects.filter(call_logs__occurred_at__range=window)
        .select_related("handler")
        .annotate(heard=Count("call_logs", distinct=True))
        .order_by("name")
    )
    leads_of = defaultdict(set)
    for tag_id, lead_id in (
        CallLog.objects.filter(occurred_at__range=window, objections__isnull=False)
        .order_by()
        .values_list("objections", "lead_id")
        .distinct()
    ):
        leads_of[tag_id].add(lead_id)
    open_amounts = defaultdict(list)
    every_lead = set().union(*leads_of.values())
    for lead_id, amount in Opportunity.objects.filter(
        lead_id__in=every_lead, stage__in=OPEN_STAGES
    ).values_list("lead_id", "amount"):
        open_amounts[lead_id].append(amount)
    for tag in heard:
        with_deals = [lead for lead in leads_of[tag.pk] if lead in open_amounts]
        tag.pipeline = sum(
            (sum(open_amounts[lead], Decimal("0")) for lead in with_deals), Decimal("0.00")
        )
        tag.leads_at_stake = len(with_deals)
    # Stable: tags equal on both figures keep the database's order of names.
    heard.sort(key=lambda tag: (-tag.pipeline, -tag.heard))
    gaps = [
        tag
        for tag in heard
        if not (tag.handler_id and tag.handler.live_version_id)
        and tag.name.lower() not in covered_tags
        and not any(tag.name.lower() in title for title in covered_titles)
    ]
    return gaps[:limit]


class Gaps(list):
    """Objection gaps (objection_gaps) with the time they were counted: `as_of`."""

    as_of = None


def objection_gaps_refresh(*, limit: int = 5) -> Gaps:
    """Count the objection gaps now and keep them for the overview panels, for twice
    OBJECTION_GAPS_CACHE_SECONDS: beat recounts them every OBJECTION_GAPS_CACHE_SECONDS
    (feedback.tasks.objection_gaps_refresh_task), ahead of the expiry, so while the
    worker runs no request pays for the count (1.3 s on the scale set: two aggregates
    over 90 days of calls and their objections)."""
    gaps = Gaps(objection_gaps(limit=limit))
    gaps.as_of = timezone.now()
    seconds = settings.OBJECTION_GAPS_CACHE_SECONDS
    if seconds:
        cache.set(f"feedback:objection-gaps:{limit}", gaps, 2 * seconds)
    return gaps


def objection_gaps_overview(*, limit: int = 5) -> Gaps:
    """The inbox's (and home's) panel of objection gaps, as last counted by
    objection_gaps_refresh, with `as_of`; counted here only when nothing is kept (a
    cold or unreachable cache, no worker).

    Counting 90 days of objections with their pipeline costs seconds with a million
    call logs, and the inbox is opened all day; a few minutes' staleness is fine for an
    overview, and the panel says when it was counted. The Objections page and the daily
    digest compute them fresh.
    """
    if settings.OBJECTION_GAPS_CACHE_SECONDS:
        kept = cache.get(f"feedback:objection-gaps:{limit}")
        if kept is not None:
            return kept
    return objection_gaps_refresh(limit=limit)


def objection_tags_for_review():
    """The objection list: every current tag (merged ones are aliases, not shown)."""
    return (
        ObjectionTag.objects.exclude(status=ObjectionTag.Status.MERGED)
        .annotate(uses=Count("call_logs"))
        .select_related("proposed_by", "handler__live_version")
    )


# --- Passages: quotes and drift -------------------------------------------------------


def passage_quotes_page(*, user, version_pk: int, passage_key: str):
    """A published version's passage and every quote customers gave about it that the
    user may read (their team's, customer_data_q), newest first (the page behind a
    passage's "all N quotes" link), or 404."""
    version = readable_version(pk=version_pk)
    passage = Passage.objects.filter(version=version, key=passage_key).first()
    if passage is None:
        raise Http404("No such passage.")
    quotes = (
        CallLog.objects.filter(version=version, quote_passage_key=passage_key)
        .filter(customer_data_q(user))
        .exclude(quote="")
        .select_related("salesperson")
        .order_by("-occurred_at", "-pk")
    )
    return version, passage, quotes


def drift_for_review(*, pk: int):
    drift = PassageDrift.objects.select_related("version__message").filter(pk=pk).first()
    if drift is None:
        raise Http404("No such drifting passage.")
    return drift
