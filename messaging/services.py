"""Every write of the messaging app that carries a rule.

Who may do what is messaging.policies: each service asks the policy first (the role,
then the object's state once it is locked), then locks the message row so that two
marketers acting at once are serialised: the second sees the first's result.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone

from smarketing.audit import audit_record
from smarketing.events import publish
from smarketing.idempotency import once

from .merge import INSERT, MergeConflict, SpanChange, apply_change
from .models import Message, MessageVersion, Passage, ReviewSubmission
from .passages import KeyedBlock, assign_keys, check_draft_size, split_passages
from .policies import MessagePolicy, VersionPolicy
from .rendering import render_markdown
from .splice import PassageNotFound, passage_splice

# Sent inside the transaction that makes a version live, so that receivers can record
# their follow-up work (in the task outbox) atomically with the publish; the work itself
# runs after the commit. Feedback tells the salespeople whose wording it carries.
# Arguments: version, previous (the version it replaced).
version_published = Signal()


class DraftConflict(Exception):
    """A save was based on an older revision of the draft than the stored one."""

    def __init__(self, version: MessageVersion):
        super().__init__("Another marketer saved this draft after you opened it.")
        self.version = version


class DraftExists(Exception):
    """A message has one draft at a time; a second one would fork the next version."""

    def __init__(self, draft: MessageVersion):
        super().__init__(f"v{draft.number} is already a draft of this message.")
        self.draft = draft


class PassageGone(ValidationError):
    """The draft no longer has the passage an edit was meant for."""

    def __init__(self, passage_key: str):
        super().__init__("The draft no longer has this passage.")
        self.passage_key = passage_key


# The fields of a message that message_update may change; the rest (live_version, the
# timestamps) follow from the versions and are written by the services that own them.
MESSAGE_FIELDS = frozenset({"title", "kind", "stage", "owner", "personas", "tags"})


def _lock_message(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


def passages_rebuild(*, version: MessageVersion, previous: list[KeyedBlock]) -> list[Passage]:
    """Store the version's passages, keys inherited from `previous` (see passages.py)."""
    keyed = assign_keys(split_passages(version.body), previous)
    version.passages.all().delete()
    return Passage.objects.bulk_create(
        Passage(version=version, key=b.key, position=i, kind=b.kind, text=b.text)
        for i, b in enumerate(keyed)
    )


def _keyed(version: MessageVersion | None) -> list[KeyedBlock]:
    if version is None:
        return []
    return [KeyedBlock(p.key, p.kind, p.text) for p in version.passages.all()]


def _check_size(body: str) -> None:
    """A body too long to key and compare is refused before anything is written, with
    the reason on the editor's text field (messaging.passages.check_draft_size)."""
    try:
        check_draft_size(body)
    except ValueError as exc:
        raise ValidationError({"body": str(exc)}) from None


def _create_version(*, message, user, body, based_on, origin, change_summary=""):
    _check_size(body)
    number = (message.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = MessageVersion(
        message=message,
        number=number,
        body=body,
        body_html=render_markdown(body),
        based_on=based_on,
        origin=origin,
        author=user,
        change_summary=change_summary,
    )
    version.full_clean(exclude=["message", "author"])
    version.save()
    passages_rebuild(version=version, previous=_keyed(based_on))
    return version


@transaction.atomic
def message_create(
    *,
    user,
    title,
    kind,
    stage,
    body="",
    personas=(),
    tags=(),
    owner=None,
    idempotency_key: str = "",
) -> Message:
    """A new message with its first draft (v1), owned by the marketer who wrote it.

    `idempotency_key` (the form's per-render token) makes a double submit one message:
    the second post gets the first message back."""
    MessagePolicy(user).can_create().require()

    def create() -> Message:
        message = Message(title=title, kind=kind, stage=stage, owner=owner or user)
        message.full_clean()
        message.save()
        message.personas.set(personas)
        message.tags.set(tags)
        _create_version(
            message=message,
            user=user,
            body=body,
            based_on=None,
            origin=MessageVersion.Origin.TYPED,
        )
        return message

    message, _created = once(
        scope="messaging.message",
        key=idempotency_key,
        user=user,
        create=create,
        load=lambda pk: Message.objects.get(pk=pk),
    )
    return message


@transaction.atomic
def message_update(*, message, user, **fields) -> Message:
    """Change a message's title, kind, stage, owner, personas or tags (MESSAGE_FIELDS).

    Any other field is refused with a TypeError naming it, before anything is written:
    a typo must not pass silently, and the fields the versions own (live_version) are
    not a second way to publish.
    """
    unknown = sorted(set(fields) - MESSAGE_FIELDS)
    if unknown:
        raise TypeError(f"message_update() cannot change: {', '.join(unknown)}")
    MessagePolicy(user, message).can_edit().require()
    message = _lock_message(message)
    personas = fields.pop("personas", None)
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(message, name, value)
    message.full_clean()
    message.save()
    if personas is not None:
        message.personas.set(personas)
    if tags is not None:
        message.tags.set(tags)
    return message


@transaction.atomic
def draft_create(
    *,
    message,
    user,
    from_version: MessageVersion | None = None,
    body: str | None = None,
    origin: str | None = None,
) -> MessageVersion:
    """Open the next draft of a message.

    Based on the live version by default (or the latest version when none is live); with
    `from_version`, an older version is restored as the new draft. Refused while another
    draft exists: one draft at a time keeps the next version's history linear. `origin`
    records why the draft was opened when the caller knows better than "typed" (an
    accepted suggestion).
    """
    MessagePolicy(user, message).can_create_draft().require()
    message = _lock_message(message)
    existing = message.versions.filter(status=MessageVersion.Status.DRAFT).first()
    if existing is not None:
        raise DraftExists(existing)
    if from_version is not None:
        if from_version.message_id != message.pk:
            raise ValidationError("That version belongs to another message.")
        base, default_origin = from_version, MessageVersion.Origin.RESTORED
        summary = f"Restored from v{from_version.number}"
    else:
        base = message.live_version or message.versions.order_by("-number").first()
        default_origin, summary = MessageVersion.Origin.TYPED, ""
    origin = origin or default_origin
    if body is None:
        body = base.body if base is not None else ""
    return _create_version(
        message=message,
        user=user,
        body=body,
        based_on=base,
        origin=origin,
        change_summary=summary,
    )


@transaction.atomic
def draft_save(
    *, version: MessageVersion, user, body: str, revision: int, change_summary=None
) -> MessageVersion:
    """Save a draft's text, refusing a save based on a stale revision.

    The editor sends the revision it loaded; when another marketer saved in between,
    DraftConflict carries the stored draft so the page can show what they changed.
    Nothing is overwritten silently.
    """
    VersionPolicy(user, version).role().require()
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_edit().require_valid()
    if int(revision) != locked.revision:
        raise DraftConflict(locked)
    if body == locked.body and (change_summary is None or change_summary == locked.change_summary):
        return locked
    _check_size(body)
    previous = _keyed(locked)
    # Passages of the base that the draft dropped stay candidates, so an undo that
    # brings a passage back also brings back its key.
    draft_keys = {block.key for block in previous}
    previous += [b for b in _keyed(locked.based_on) if b.key not in draft_keys]
    locked.body = body
    locked.body_html = render_markdown(body)
    if change_summary is not None:
        locked.change_summary = change_summary
    _review_reset(locked, user)
    locked.revision += 1
    locked.full_clean(exclude=["message", "author"])
    locked.save()
    passages_rebuild(version=locked, previous=previous)
    return locked


def _review_reset(draft: MessageVersion, user) -> None:
    """An edit to a draft submitted at this revision sends it back to review: the new
    revision matches neither the submission nor any approval (messaging.review, rule 4).
    Nothing is deleted; the audit trail records that the review restarts."""
    if ReviewSubmission.objects.filter(version=draft, revision=draft.revision).exists():
        audit_record(
            actor=user,
            action="review.reset",
            target=draft,
            before={"revision": draft.revision},
            after={"revision": draft.revision + 1},
        )


@transaction.atomic
def draft_passage_replace(
    *,
    version: MessageVersion,
    user,
    passage_key: str,
    new_text: str,
    expected_revision: int,
    change_summary=None,
) -> MessageVersion:
    """Replace one passage of a draft, found by its key; "" removes it.

    The edit is placed by the passage's position (messaging.splice), so when the same
    text stands twice in the body the passage meant is changed, not the first copy.
    Under the draft's revision check, like an editor save: when the draft was saved
    since `expected_revision`, DraftConflict; when it no longer has the passage,
    PassageGone. Either way nothing changes.
    """
    VersionPolicy(user, version).role().require()
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_edit().require_valid()
    if int(expected_revision) != locked.revision:
        raise DraftConflict(locked)
    passages = list(locked.passages.order_by("position"))
    index = next((i for i, p in enumerate(passages) if p.key == passage_key), None)
    if index is None:
        raise PassageGone(passage_key)
    try:
        body = passage_splice(locked.body, [p.text for p in passages], index, new_text)
    except PassageNotFound:
        raise PassageGone(passage_key) from None
    return draft_save(
        version=locked,
        user=user,
        body=body,
        revision=locked.revision,
        change_summary=change_summary,
    )


@transaction.atomic
def draft_change_apply(
    *,
    version: MessageVersion,
    user,
    kind: str,
    passage_key: str | None,
    after_key: str | None,
    span_start: int,
    span_end: int,
    original: str,
    replacement: str,
    base_text: str,
    expected_revision: int,
    change_summary=None,
) -> MessageVersion:
    """Apply one change made against an earlier version (an accepted suggestion) to a
    draft, found by passage key: replace the span's words, rewrite or remove the
    passage, or add a paragraph after `after_key` (at the start when None).

    Plain data in (the kinds and fields of messaging.merge: this app knows nothing of
    feedback). The change is merged three-way (messaging.merge.apply_change) against
    `base_text`, the passage it was made on, so it lands on exactly those words even
    when the draft has moved on elsewhere, and several changes to one paragraph all
    land. When the draft changed those words, MergeConflict says how; when the draft
    was saved since `expected_revision`, DraftConflict. Either way nothing changes.
    The body is edited in place (messaging.splice), so the rest of it stays as typed.
    """
    VersionPolicy(user, version).role().require()
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_edit().require_valid()
    if int(expected_revision) != locked.revision:
        raise DraftConflict(locked)
    change = SpanChange(
        kind=kind,
        passage_key=passage_key,
        after_key=after_key,
        span_start=span_start,
        span_end=span_end,
        original=original,
        replacement=replacement,
        base_text=base_text,
    )
    passages = [(p.key, p.text) for p in locked.passages.order_by("position")]
    merged = apply_change(passages, base_text, change)
    texts = [text for _key, text in passages]
    try:
        if kind == INSERT:
            at = 0 if after_key is None else 1 + [k for k, _t in passages].index(after_key)
            added = merged[at][1]
            if at == 0:
                rest = locked.body.lstrip("\n")
                body = f"{added}\n\n{rest}" if rest else added
            else:
                body = passage_splice(locked.body, texts, at - 1, f"{texts[at - 1]}\n\n{added}")
        else:
            index = next((i for i, (k, _t) in enumerate(passages) if k == passage_key), None)
            if index is None:
                return locked  # a remove of a passage already gone (merge rule 5)
            new_text = dict(merged).get(passage_key, "")
            if new_text == texts[index]:
                return locked  # already applied
            body = passage_splice(locked.body, texts, index, new_text)
    except PassageNotFound:
        raise MergeConflict(
            "The draft's text and its paragraphs disagree; save the draft once and retry."
        ) from None
    return draft_save(
        version=locked,
        user=user,
        body=body,
        revision=locked.revision,
        change_summary=change_summary,
    )


@transaction.atomic
def draft_discard(*, version: MessageVersion, user) -> None:
    """Delete a draft. Published versions are kept forever and cannot be discarded."""
    VersionPolicy(user, version).role().require()
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_discard().require_valid()
    locked.delete()


@transaction.atomic
def version_publish(*, version: MessageVersion, user, change_summary: str) -> MessageVersion:
    """Make a draft the live version of its message.

    The previous live version is retired in the same transaction; the message row is
    locked first, so two marketers publishing at once leave exactly one live version
    (the second is told the draft was already published). A change summary is required:
    it is the "why" of the version history.
    """
    VersionPolicy(user, version).role().require()
    summary = (change_summary or "").strip()
    if not summary:
        raise ValidationError({"change_summary": "Say what changed and why."})
    message = _lock_message(version.message)
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_publish().require_valid()
    now = timezone.now()
    previous = message.live_version
    if previous is not None:
        previous.status = MessageVersion.Status.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at", "updated_at"])
    locked.status = MessageVersion.Status.LIVE
    locked.published_at = now
    locked.published_by = user
    locked.change_summary = summary[:300]
    locked.full_clean(exclude=["message", "author"])
    locked.save()
    message.live_version = locked
    message.save(update_fields=["live_version", "updated_at"])
    audit_record(
        actor=user,
        action="version.publish",
        target=locked,
        before={"live": f"v{previous.number}" if previous else None},
        after={"live": f"v{locked.number}", "change_summary": locked.change_summary},
    )
    version_published.send(sender=MessageVersion, version=locked, previous=previous)
    publish(
        "version.published",
        {
            "message": message.pk,
            "title": message.title,
            "version": locked.pk,
            "number": locked.number,
            "change_summary": locked.change_summary,
            "published_by": user.get_username(),
            "published_at": now,
        },
    )
    return locked


@transaction.atomic
def version_retire(*, version: MessageVersion, user) -> MessageVersion:
    """Take the live version out of use; the message has no live version until the next
    publish. Its text is kept and stays readable."""
    VersionPolicy(user, version).role().require()
    message = _lock_message(version.message)
    locked = MessageVersion.objects.select_for_update().get(pk=version.pk)
    VersionPolicy(user, locked).can_retire().require_valid()
    locked.status = MessageVersion.Status.RETIRED
    locked.retired_at = timezone.now()
    locked.save(update_fields=["status", "retired_at", "updated_at"])
    message.live_version = None
    message.save(update_fields=["live_version", "updated_at"])
    audit_record(
        actor=user,
        action="version.retire",
        target=locked,
        before={"status": "live"},
        after={"status": "retired"},
    )
    return locked


def tags_from_names(names: list[str]) -> list:
    """The Tag rows for these names, creating the missing ones (case-insensitive)."""
    from .models import Tag

    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def persona_save(*, user, persona=None, name: str, description: str = ""):
    """Create or rename a persona; marketing defines the buyer types."""
    from .models import Persona

    MessagePolicy(user).role().require()
    persona = persona or Persona()
    persona.name = name
    persona.description = description
    persona.full_clean()
    persona.save()
    return persona
