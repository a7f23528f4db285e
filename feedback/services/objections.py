"""Objections: the managed list marketing keeps, and the names salespeople type."""

from django.db import IntegrityError, transaction

from ..models import ObjectionTag
from ..policies import ObjectionPolicy


def objection_tags_resolve(*, names: list[str], user) -> list[ObjectionTag]:
    """Tags for names a salesperson typed: existing ones are reused (case-insensitive);
    new ones are kept as proposals for marketing to approve."""
    tags = []
    for raw in names:
        name = " ".join(raw.split())[:80]
        if not name:
            continue
        tag = ObjectionTag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = ObjectionTag.objects.create(
                        name=name, status=ObjectionTag.Status.PROPOSED, proposed_by=user
                    )
            except IntegrityError:
                tag = ObjectionTag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


@transaction.atomic
def objection_approve(*, tag: ObjectionTag, user) -> ObjectionTag:
    """Marketing adopts a salesperson's proposed objection into the managed list."""
    ObjectionPolicy(user).can_manage().require()
    tag.status = ObjectionTag.Status.APPROVED
    tag.save(update_fields=["status"])
    return tag
