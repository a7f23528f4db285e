"""Objections: the managed list marketing keeps, and the names salespeople type."""

from django.db import IntegrityError, transaction

from smarketing.audit import audit_record

from ..models import CallLog, ObjectionTag
from ..policies import ObjectionPolicy


def _clean_name(raw: str) -> str:
    return " ".join(raw.split())[:80]


def objection_tags_resolve(*, names: list[str], user) -> list[ObjectionTag]:
    """Tags for names a salesperson typed: existing ones are reused (case-insensitive);
    new ones are kept as proposals for marketing to approve."""
    tags = []
    for raw in names:
        name = _clean_name(raw)
        if not name:
            continue
        tag = ObjectionTag.objects.filter(name__iexact=name).select_related("merged_into").first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = ObjectionTag.objects.create(
                        name=name, status=ObjectionTag.Status.PROPOSED, proposed_by=user
                    )
            except IntegrityError:
                tag = ObjectionTag.objects.get(name__iexact=name)
        # A merged name is an alias of the tag it was merged into (merges re-point the
        # tags merged earlier, so one step reaches the current tag).
        if tag.status == ObjectionTag.Status.MERGED and tag.merged_into is not None:
            tag = tag.merged_into
        if tag not in tags:
            tags.append(tag)
    return tags


@transaction.atomic
def objection_approve(*, tag: ObjectionTag, user) -> ObjectionTag:
    """Marketing adopts a salesperson's proposed objection into the managed list."""
    policy = ObjectionPolicy(user)
    policy.can_manage().require()
    policy.tag_allows_review(tag).require_valid()
    before = tag.status
    tag.status = ObjectionTag.Status.APPROVED
    tag.save(update_fields=["status"])
    audit_record(
        actor=user, action="objection.approve", target=tag, before={"status": before},
        after={"status": tag.status},
    )  # fmt: skip
    return tag


@transaction.atomic
def objection_reject(*, tag: ObjectionTag, user) -> ObjectionTag:
    """Marketing declines a proposed objection: it stays off the managed list (the
    call form does not offer it), and the calls that named it keep the name, since it is
    what the salesperson heard."""
    policy = ObjectionPolicy(user)
    policy.can_manage().require()
    policy.tag_allows_review(tag).require_valid()
    tag.status = ObjectionTag.Status.REJECTED
    tag.save(update_fields=["status"])
    audit_record(
        actor=user, action="objection.reject", target=tag, before={"status": "proposed"},
        after={"status": tag.status},
    )  # fmt: skip
    return tag


@transaction.atomic
def objection_update(*, tag: ObjectionTag, user, name: str, handler) -> ObjectionTag:
    """Rename an objection (names are unique, whatever the case) and link the message
    that answers it, which the library's "objection handled" filter and the gaps read."""
    ObjectionPolicy(user).can_manage().require()
    tag = ObjectionTag.objects.select_for_update().get(pk=tag.pk)
    before = {"name": tag.name, "handler": tag.handler_id}
    tag.name = _clean_name(name)
    tag.handler = handler
    tag.full_clean()
    tag.save(update_fields=["name", "handler"])
    audit_record(
        actor=user, action="objection.update", target=tag, before=before,
        after={"name": tag.name, "handler": tag.handler_id},
    )  # fmt: skip
    return tag


@transaction.atomic
def objection_merge(*, tag: ObjectionTag, into: ObjectionTag, user) -> ObjectionTag:
    """Two names for one objection ("pricey", "too expensive") become one: every call
    that named `tag` now names `into`, and `tag` is kept as an alias of `into`, so that
    counts and gaps add up under one name and the old name, typed again, lands in it."""
    policy = ObjectionPolicy(user)
    policy.can_manage().require()
    policy.can_merge(tag, into).require_valid()
    through = CallLog.objections.through
    call_ids = list(
        through.objects.filter(objectiontag_id=tag.pk).values_list("calllog_id", flat=True)
    )
    already = set(
        through.objects.filter(objectiontag_id=into.pk, calllog_id__in=call_ids).values_list(
            "calllog_id", flat=True
        )
    )
    through.objects.bulk_create(
        through(calllog_id=call_id, objectiontag_id=into.pk)
        for call_id in call_ids
        if call_id not in already
    )
    through.objects.filter(objectiontag_id=tag.pk).delete()
    ObjectionTag.objects.filter(merged_into=tag).update(merged_into=into)
    if into.handler_id is None and tag.handler_id is not None:
        into.handler_id = tag.handler_id
    if tag.status == ObjectionTag.Status.APPROVED:
        into.status = ObjectionTag.Status.APPROVED
    into.save(update_fields=["handler", "status"])
    before = {"status": tag.status, "calls": len(call_ids)}
    tag.status = ObjectionTag.Status.MERGED
    tag.merged_into = into
    tag.save(update_fields=["status", "merged_into"])
    audit_record(
        actor=user, action="objection.merge", target=tag, before=before,
        after={"merged_into": into.pk, "name": into.name},
    )  # fmt: skip
    return into
