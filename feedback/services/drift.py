"""Drift: flag the passages sales keeps changing, and ask the message's owner to look.

Run after each engine batch (feedback.apps subscribes to call_logs_processed and runs
drift_check once the batch has committed), from the counted figures: the version's
processed calls (VersionStats.uses) and, per passage, the distinct processed calls whose
wording changed or left it out (PassageEdit). The arithmetic is feedback.drift's.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from messaging.models import MessageVersion
from notifications.services import notification_send

from ..drift import drifting_passages
from ..models import PassageDrift, PassageEdit, VersionStats
from ..policies import DriftPolicy

CHANGING_KINDS = (PassageEdit.Kind.REPLACE, PassageEdit.Kind.REWRITE, PassageEdit.Kind.REMOVE)


def passage_url(version: MessageVersion, passage_key: str) -> str:
    url = reverse("messaging:version_detail", args=[version.message_id, version.number])
    return f"{url}#passage-{passage_key}"


@transaction.atomic
def drift_check(*, version_id: int) -> list[PassageDrift]:
    """Recompute the version's drifting passages; returns the ones newly flagged.

    Idempotent: a passage is flagged once per version (one row, a unique constraint),
    its figures are refreshed on every run, and its owner is notified once (dedupe key)
    even if the flag is later cleared and raised again. An unreviewed flag whose passage
    no longer drifts is removed; a reviewed one is kept, since the review is history.
    Only a live version's owner is notified: a retired version is nobody's to fix.
    """
    version = MessageVersion.objects.select_related("message__owner").filter(pk=version_id).first()
    if version is None:
        return []
    version_calls = (
        VersionStats.objects.filter(version_id=version_id).values_list("uses", flat=True).first()
        or 0
    )
    changed = dict(
        PassageEdit.objects.filter(
            version_id=version_id, kind__in=CHANGING_KINDS, call_log__processed_at__isnull=False
        )
        .exclude(passage_key="")
        .values("passage_key")
        .annotate(calls=Count("call_log", distinct=True))
        .values_list("passage_key", "calls")
    )
    drifting = {
        found.passage_key: found
        for found in drifting_passages(
            changed,
            version_calls=version_calls,
            share=settings.DRIFT_SHARE,
            min_calls=settings.DRIFT_MIN_CALLS,
        )
    }
    existing = {
        row.passage_key: row
        for row in PassageDrift.objects.select_for_update().filter(version_id=version_id)
    }
    gone = [
        row.pk for key, row in existing.items() if key not in drifting and row.reviewed_at is None
    ]
    PassageDrift.objects.filter(pk__in=gone).delete()
    updated, created = [], []
    for key, found in drifting.items():
        row = existing.get(key)
        if row is None:
            created.append(
                PassageDrift(
                    version_id=version_id,
                    passage_key=key,
                    share=found.share,
                    calls=found.changed_calls,
                )
            )
        else:
            row.share, row.calls = found.share, found.changed_calls
            updated.append(row)
    PassageDrift.objects.bulk_update(updated, ["share", "calls"])
    PassageDrift.objects.bulk_create(created, ignore_conflicts=True)
    if version.status == MessageVersion.Status.LIVE:
        for row in created:
            notification_send(
                recipient=version.message.owner,
                kind="passage_drift",
                text=(
                    f"Sales changes a passage of v{version.number} of “{version.message.title}” "
                    f"in {row.calls} of {version_calls} calls: review it."
                ),
                url=passage_url(version, row.passage_key),
                dedupe_key=f"passage-drift:{version_id}:{row.passage_key}",
            )
    return created


def drift_check_after_commit(*, version_ids) -> None:
    """Schedule drift_check for each version once the caller's transaction commits.

    After the commit, so the check reads the batch's committed edits and a failure in
    it can never undo the engine's counting (robust: logged, and the next batch
    recomputes the same figures).
    """
    for version_id in sorted(set(version_ids)):
        transaction.on_commit(
            lambda version_id=version_id: drift_check(version_id=version_id), robust=True
        )


@transaction.atomic
def drift_review(*, drift: PassageDrift, user) -> PassageDrift:
    """A marketer has looked at a drifting passage: the flag stops calling for attention
    (the badge leaves the message and the library), the figures stay on the passage."""
    locked = PassageDrift.objects.select_for_update().get(pk=drift.pk)
    policy = DriftPolicy(user, locked)
    policy.role().require()
    policy.can_review().require_valid()
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    locked.full_clean()
    locked.save(update_fields=["reviewed_at", "reviewed_by"])
    return locked
