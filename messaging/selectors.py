"""The reads that messaging pages need, each a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404

from smarketing.forms import ID_LIMIT

from .diff import compare_passages
from .filters import MessageFilter
from .models import Experiment, Message, MessageVersion, Passage, Persona
from .policies import MessagePolicy


def can_see_drafts(user) -> bool:
    return bool(MessagePolicy(user).can_see_drafts())


def message_library(*, user, data) -> MessageFilter:
    """The filtered, sorted message list for the library page.

    Sales and managers see only messages that have been published; drafts are
    marketing's work in progress.
    """
    queryset = (
        Message.objects.select_related("owner", "live_version")
        .prefetch_related("personas", "tags")
        .annotate(
            has_draft=Exists(
                MessageVersion.objects.filter(
                    message=OuterRef("pk"), status=MessageVersion.Status.DRAFT
                )
            )
        )
    )
    sales_view = not can_see_drafts(user)
    if sales_view:
        queryset = queryset.visible_to_sales()
    filterset = MessageFilter(data or None, queryset=queryset, sales_view=sales_view)
    return filterset


def versions_visible_to(user, message: Message):
    versions = message.versions.select_related("author", "published_by")
    if not can_see_drafts(user):
        versions = versions.readable_by_sales()
    return versions.order_by("-number")


def message_detail(*, user, pk: int) -> tuple[Message, list[MessageVersion]]:
    """A message with its visible versions (newest first), or 404."""
    message = (
        Message.objects.select_related("owner", "live_version__published_by")
        .prefetch_related("personas", "tags")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    versions = list(versions_visible_to(user, message))
    if not versions:
        # Sales asking for a message that was never published: it does not exist for them.
        raise Http404("No such message.")
    return message, versions


def version_for(*, user, message_pk: int, number: int) -> MessageVersion:
    """One version a user may read (drafts only for marketing), or 404."""
    queryset = MessageVersion.objects.select_related(
        "message", "author", "published_by", "based_on", "stats"
    ).prefetch_related(
        Prefetch("passages", queryset=Passage.objects.order_by("position")),
        # Provenance: the accepted suggestions from sales this version carries, and the
        # salespeople whose calls they came from (relations owned by the feedback app).
        "accepted_suggestions__version",
        "accepted_suggestions__edits__call_log__salesperson",
    )
    if not can_see_drafts(user):
        queryset = queryset.readable_by_sales()
    version = queryset.filter(message_id=message_pk, number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


def draft_of(*, message_pk: int) -> MessageVersion:
    draft = (
        MessageVersion.objects.select_related("message", "based_on", "author")
        .filter(message_id=message_pk, status=MessageVersion.Status.DRAFT)
        .first()
    )
    if draft is None:
        raise Http404("This message has no draft.")
    return draft


def version_compare(*, user, message_pk: int, a: int, b: int):
    """Passage-aligned differences between any two readable versions of a message, or
    404. Two queries: the two versions' own rows and their passages (not what a version
    page reads besides: author, stats, the provenance of accepted suggestions)."""
    if not all(0 <= number < ID_LIMIT for number in (a, b)):
        # No version has such a number; an IN lookup would not guard it as `number=`
        # does (SQLite raises OverflowError past 64 bits).
        raise Http404("No such version.")
    versions = MessageVersion.objects.filter(message_id=message_pk, number__in={a, b})
    if not can_see_drafts(user):
        versions = versions.readable_by_sales()
    found = {v.number: v for v in versions.defer("body", "body_html")}
    if a not in found or b not in found:
        raise Http404("No such version.")
    old, new = found[a], found[b]
    passages: dict[int, list[Passage]] = {old.pk: [], new.pk: []}
    for passage in Passage.objects.filter(version_id__in=passages).order_by("position"):
        passages[passage.version_id].append(passage)
    return old, new, compare_passages(passages[old.pk], passages[new.pk])


@dataclass
class ComparePage:
    message: Message
    versions: list[MessageVersion]  # the readable ones, newest first (the two pickers)
    old: MessageVersion
    new: MessageVersion
    changes: list


def compare_page(*, user, message_pk: int, a: int, b: int) -> ComparePage:
    """What the compare page shows, or 404: the message's title, its readable versions'
    numbers and statuses, and the changes from version a to version b. Four queries; the
    page shows none of the message's personas, tags, owner or versions' authors, so
    they are not read (message_detail reads them for the message page)."""
    old, new, changes = version_compare(user=user, message_pk=message_pk, a=a, b=b)
    message = Message.objects.only("pk", "title").get(pk=message_pk)
    versions = message.versions.all()
    if not can_see_drafts(user):
        versions = versions.readable_by_sales()
    versions = list(versions.only("pk", "message_id", "number", "status").order_by("-number"))
    return ComparePage(message, versions, old, new, changes)


def personas_list():
    return Persona.objects.all()


def running_experiments(message_ids) -> dict[int, Experiment]:
    """The running experiment of each of these messages, in one query (plays, library)."""
    ids = [pk for pk in message_ids if pk]
    if not ids:
        return {}
    return {
        experiment.message_id: experiment
        for experiment in Experiment.objects.filter(
            message_id__in=ids, status=Experiment.Status.RUNNING
        ).select_related("control", "challenger")
    }


@dataclass
class ReviewPassage:
    key: str
    html: str
    comments: list


@dataclass
class ReviewPage:
    passages: list[ReviewPassage]
    general: list  # comments on the whole draft
    elsewhere: list  # comments on passages this draft no longer has
    decisions: list  # every decision on this draft, every revision, oldest first


def review_page(*, draft: MessageVersion, state) -> ReviewPage:
    """The draft's passages, each with the review comments on its key from this and
    earlier drafts of the message (a comment follows its passage), in two queries
    (`state`, messaging.review's, already holds the decisions)."""
    from .models import ReviewComment
    from .rendering import render_markdown

    passages = list(draft.passages.order_by("position"))
    by_key: dict[str, list] = {}
    for comment in ReviewComment.objects.filter(message_id=draft.message_id).select_related(
        "author", "version"
    ):
        by_key.setdefault(comment.passage_key, []).append(comment)
    keys = {p.key for p in passages}
    return ReviewPage(
        passages=[
            ReviewPassage(p.key, render_markdown(p.text), by_key.get(p.key, [])) for p in passages
        ],
        general=by_key.get("", []),
        elsewhere=[c for key, found in by_key.items() if key and key not in keys for c in found],
        decisions=state.decisions,
    )


def review_comments_on(draft: MessageVersion) -> list[ReviewPassage]:
    """The draft's passages that carry review comments (from this or earlier drafts),
    for the editor: one query for the comments, the passages already prefetched."""
    from .models import ReviewComment
    from .rendering import render_markdown

    by_key: dict[str, list] = {}
    for comment in ReviewComment.objects.filter(message_id=draft.message_id).select_related(
        "author", "version"
    ):
        by_key.setdefault(comment.passage_key, []).append(comment)
    if not by_key:
        return []
    return [
        ReviewPassage(p.key, render_markdown(p.text), by_key[p.key])
        for p in draft.passages.order_by("position")
        if p.key in by_key
    ]
