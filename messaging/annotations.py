"""Notes that higher apps put on a version's passages and on messages.

Messaging shows passages and messages but must not import feedback (layers: messaging is
below it). So feedback registers providers here from its AppConfig.ready(), and the
messaging pages ask this registry: "what notes are there on the passages of this
version?" (customer quotes, a drifting passage) and "what flags are on these messages?"
(a drifting badge in the library). A page makes one call per kind, and each provider
answers with a fixed number of queries, whatever the number of passages or messages.

The notes are plain data that the shared template `messaging/_annotation.html` shows
the same way whatever app they came from: a badge, an optional disclosure with items,
an optional link and an optional POST action.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AnnotationItem:
    """One entry in a note's disclosure, e.g. a customer's quote and who heard it."""

    text: str
    byline: str = ""
    when: datetime | None = None


@dataclass(frozen=True)
class Annotation:
    kind: str  # a CSS hook and a stable name ("quotes", "drift")
    label: str  # the badge text ("3 quotes", "drifting")
    detail: str = ""  # a sentence shown inside the disclosure
    items: tuple[AnnotationItem, ...] = ()
    url: str = ""  # a link: "all 12 quotes", "review this passage"
    url_label: str = ""
    action_url: str = ""  # a POST (with CSRF) the viewer may make, shown as a button
    action_label: str = ""


PassageAnnotator = Callable[..., dict[str, list[Annotation]]]
MessageFlagger = Callable[..., dict[int, list[Annotation]]]

_passage_annotators: list[PassageAnnotator] = []
_message_flaggers: list[MessageFlagger] = []


def register_passage_annotator(fn: PassageAnnotator) -> PassageAnnotator:
    """Register fn(*, version, user) -> {passage_key: [Annotation, ...]}. Idempotent."""
    if fn not in _passage_annotators:
        _passage_annotators.append(fn)
    return fn


def register_message_flagger(fn: MessageFlagger) -> MessageFlagger:
    """Register fn(*, message_ids, user) -> {message_id: [Annotation, ...]}. Idempotent."""
    if fn not in _message_flaggers:
        _message_flaggers.append(fn)
    return fn


def passage_annotations(version, *, user=None) -> dict[str, list[Annotation]]:
    """Every registered note on the version's passages, by passage key."""
    notes: dict[str, list[Annotation]] = defaultdict(list)
    for annotator in _passage_annotators:
        for key, found in annotator(version=version, user=user).items():
            notes[key].extend(found)
    return dict(notes)


def message_flags(message_ids: Iterable[int], *, user=None) -> dict[int, list[Annotation]]:
    """Every registered flag on these messages, by message id."""
    ids = list(message_ids)
    flags: dict[int, list[Annotation]] = defaultdict(list)
    if not ids:
        return {}
    for flagger in _message_flaggers:
        for message_id, found in flagger(message_ids=ids, user=user).items():
            flags[message_id].extend(found)
    return dict(flags)


@dataclass(frozen=True)
class ShownPassage:
    """A passage as a page shows it: its rendered HTML and the notes on it."""

    key: str
    kind: str
    position: int
    html: str
    notes: list[Annotation]


def passages_shown(version, passages, *, user=None) -> list[ShownPassage]:
    """The version's passages, each rendered on its own with the notes on it."""
    from .rendering import render_markdown

    notes = passage_annotations(version, user=user)
    return [
        ShownPassage(p.key, p.kind, p.position, render_markdown(p.text), notes.get(p.key, []))
        for p in passages
    ]
