"""Writes of the insight app: rebuilding the attribution aggregates and loop health's
handoff facts (the second part of this module).

Everything here is a rebuild from the source rows (call logs, opportunities), never an
increment, so every function is idempotent: a retried or duplicated task, or the
nightly full rebuild, lands on the same figures.

Attribution models (the choice on the attribution page). For one lead, take the calls
logged on it up to its opportunity's close (all its calls while the deal is open or
when there is no deal), ordered by time then id:

- first touch: the version of the earliest of those calls gets the whole deal;
- last touch: the version of the latest of those calls gets the whole deal;
- linear: each of the n distinct versions used in those calls gets an equal 1/n share
  of the deal, however many calls used it (a version used in four calls and one used
  once split the deal half and half: the unit is "this wording was in front of the
  customer", not airtime).

"The deal" is the lead's opportunity: it counts once as an opportunity and its amount
as pipeline (whatever its stage, at its current amount), and as won revenue and a win
when it was won. Amounts stay in the opportunity's currency: nothing is ever converted
or added across currencies (see VersionAttribution).
"""

from decimal import ROUND_HALF_EVEN, Decimal
from itertools import groupby, islice

from django.db import transaction
from django.db.models import Count, Q, Sum

from feedback.models import CallLog, VersionStats
from leads.models import Lead, Opportunity
from messaging.models import MessageVersion

from . import figures
from .models import (
    AttributionModel,
    HandoffFact,
    LeadAttribution,
    VersionAttribution,
    VersionRank,
    VersionReach,
)

CENT = Decimal("0.01")
WEIGHT = Decimal("0.000001")
ZERO = Decimal("0")
REBUILD_BATCH = 1000


def lead_attribution_rows(*, lead_id: int, calls, opportunity: dict | None):
    """The LeadAttribution rows (unsaved) for one lead.

    `calls`: (version_id, occurred_at, call_id) tuples of the lead's calls, any order.
    `opportunity`: the lead's deal as a dict (amount, currency, stage, closed_at) or None.
    """
    calls = sorted(calls, key=lambda call: (call[1], call[2]))
    closed_at = opportunity["closed_at"] if opportunity else None
    if closed_at is not None:
        calls = [call for call in calls if call[1] <= closed_at]
    if not calls:
        return []
    per_version: dict[int, int] = {}
    for version_id, _occurred, _pk in calls:
        per_version[version_id] = per_version.get(version_id, 0) + 1
    weight = (Decimal(1) / len(per_version)).quantize(WEIGHT, ROUND_HALF_EVEN)
    deal = {}
    if opportunity is not None:
        amount = opportunity["amount"]
        deal = {
            "has_opportunity": True,
            "currency": opportunity["currency"],
            "amount": amount,
            "linear_amount": (amount / len(per_version)).quantize(CENT, ROUND_HALF_EVEN),
            "is_closed": opportunity["stage"] in (Opportunity.Stage.WON, Opportunity.Stage.LOST),
            "is_won": opportunity["stage"] == Opportunity.Stage.WON,
        }
    return [
        LeadAttribution(
            lead_id=lead_id,
            version_id=version_id,
            calls=count,
            is_first=version_id == calls[0][0],
            is_last=version_id == calls[-1][0],
            linear_weight=weight,
            **deal,
        )
        for version_id, count in per_version.items()
    ]


def _opportunities_for(lead_ids) -> dict[int, dict]:
    return {
        row["lead_id"]: row
        for row in Opportunity.objects.filter(lead_id__in=lead_ids).values(
            "lead_id", "amount", "currency", "stage", "closed_at"
        )
    }


def lead_attribution_rebuild(*, lead_id: int) -> set[int]:
    """Rebuild one lead's attribution rows and the rollups of every version they
    touch (before or after), returning those version ids."""
    return leads_attribution_rebuild(lead_ids=[lead_id])


@transaction.atomic
def leads_attribution_rebuild(*, lead_ids) -> set[int]:
    """Rebuild these leads' attribution rows, then the rollups of every version they
    touch (before or after) once, returning those version ids.

    The lead rows are locked (in id order) so that two rebuilds of one lead (a call
    and a close a moment apart) run one after the other instead of colliding on the
    unique rows. The lock is FOR NO KEY UPDATE on PostgreSQL: it serialises rebuilds
    but does not block a salesperson's call log being inserted for the lead (whose
    foreign key takes only a KEY SHARE lock).
    """
    ids = list(
        Lead.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(set(lead_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return set()
    calls: dict[int, list] = {lead_id: [] for lead_id in ids}
    # A general call (no message used) has no version to credit.
    for lead_id, *call in CallLog.objects.filter(
        lead_id__in=ids, version__isnull=False
    ).values_list("lead_id", "version_id", "occurred_at", "pk"):
        calls[lead_id].append(tuple(call))
    deals = _opportunities_for(ids)
    rows = []
    for lead_id in ids:
        rows += lead_attribution_rows(
            lead_id=lead_id, calls=calls[lead_id], opportunity=deals.get(lead_id)
        )
    existing = LeadAttribution.objects.filter(lead_id__in=ids)
    affected = set(existing.values_list("version_id", flat=True))
    existing.delete()
    LeadAttribution.objects.bulk_create(rows)
    affected |= {row.version_id for row in rows}
    version_rollups_refresh(version_ids=affected)
    return affected


def _rollup_sums(prefix: str, weight_filter: Q | None, amount: str, credit) -> dict:
    """Aggregate expressions for one model: credited opportunities, closed and wins
    (`credit` is Count for whole-deal models, a Sum of weights for linear), pipeline and
    won revenue."""
    where = weight_filter or Q()
    return {
        f"{prefix}_opportunities": credit(where),
        f"{prefix}_closed": credit(where & Q(is_closed=True)),
        f"{prefix}_wins": credit(where & Q(is_won=True)),
        f"{prefix}_pipeline": Sum(amount, filter=where if weight_filter else None),
        f"{prefix}_won_revenue": Sum(amount, filter=where & Q(is_won=True)),
    }


def _count(where: Q):
    return Count("pk", filter=where if where else None)


def _weight_sum(where: Q):
    return Sum("linear_weight", filter=where if where else None)


MODEL_SUMS = {
    AttributionModel.FIRST: (Q(is_first=True), "amount", _count),
    AttributionModel.LAST: (Q(is_last=True), "amount", _count),
    AttributionModel.LINEAR: (None, "linear_amount", _weight_sum),
}


@transaction.atomic
def version_rollups_refresh(*, version_ids) -> int:
    """Recompute VersionAttribution and VersionReach of these versions from
    LeadAttribution (one grouped query each), replacing what was there.

    The versions' rows are locked in id order first: two rebuilds touching the same
    version then recompute one after the other, and the second one reads what the first
    committed, so the last writer is always right. Cost is one aggregate over the
    version's lead rows (an index range on version), whatever the number of calls.
    """
    ids = sorted(set(version_ids))
    if not ids:
        return 0
    # FOR NO KEY UPDATE: rollups of a version wait for each other, but call logs that
    # reference the version (a KEY SHARE lock through their foreign key) never wait.
    versions = MessageVersion.objects.select_for_update(no_key=True).filter(pk__in=ids)
    list(versions.order_by("pk").values("pk"))
    base = LeadAttribution.objects.filter(version_id__in=ids).order_by()
    reach = base.values("version_id").annotate(
        leads=Count("pk"),
        opportunities=Count("pk", filter=Q(has_opportunity=True)),
        deals_closed=Count("pk", filter=Q(is_closed=True)),
        deals_won=Count("pk", filter=Q(is_won=True)),
    )
    sums = {}
    for model, (where, amount, credit) in MODEL_SUMS.items():
        sums.update(_rollup_sums(model.value, where, amount, credit))
    money = base.filter(has_opportunity=True).values("version_id", "currency").annotate(**sums)

    VersionReach.objects.filter(version_id__in=ids).delete()
    VersionAttribution.objects.filter(version_id__in=ids).delete()
    VersionReach.objects.bulk_create(
        VersionReach(
            version_id=row["version_id"],
            leads=row["leads"],
            opportunities=row["opportunities"],
            deals_closed=row["deals_closed"],
            deals_won=row["deals_won"],
        )
        for row in reach
    )
    rollups = []
    for row in money:
        for model in AttributionModel:
            opportunities = _decimal(row[f"{model.value}_opportunities"], WEIGHT)
            if not opportunities:
                continue
            rollups.append(
                VersionAttribution(
                    version_id=row["version_id"],
                    model=model.value,
                    currency=row["currency"],
                    opportunities=opportunities,
                    closed=_decimal(row[f"{model.value}_closed"], WEIGHT),
                    wins=_decimal(row[f"{model.value}_wins"], WEIGHT),
                    pipeline=_decimal(row[f"{model.value}_pipeline"], CENT),
                    won_revenue=_decimal(row[f"{model.value}_won_revenue"], CENT),
                )
            )
    VersionAttribution.objects.bulk_create(rollups)
    version_ranks_refresh(version_ids=ids)
    return len(ids)


@transaction.atomic
def version_ranks_refresh(*, version_ids) -> int:
    """Recompute the VersionRank rows of these versions from VersionAttribution,
    VersionReach and VersionStats, replacing what was there; returns the rows written.

    A version is ranked when it is published and used (calls counted or leads
    touched), as on the request-time ranking; it gets one row per model and currency.
    Called at the end of version_rollups_refresh (in its transaction, the versions
    locked) and when a version is published. Three reads whatever the number of
    versions, so the lead rebuilds it rides on stay cheap.
    """
    ids = sorted(set(version_ids))
    if not ids:
        return 0
    used = (
        MessageVersion.objects.published()
        .filter(pk__in=ids)
        .filter(Q(stats__uses__gt=0) | Q(insight_reach__leads__gt=0))
        .values_list("pk", "message_id", "stats__uses", "insight_reach__leads")
    )
    money = {
        (version_id, model, currency): (won, pipeline)
        for version_id, model, currency, won, pipeline in VersionAttribution.objects.filter(
            version_id__in=ids
        ).values_list("version_id", "model", "currency", "won_revenue", "pipeline")
    }
    ranks = [
        VersionRank(
            version_id=version_id,
            message_id=message_id,
            model=model.value,
            currency=currency,
            won_revenue=money.get((version_id, model.value, currency), (ZERO, ZERO))[0],
            pipeline=money.get((version_id, model.value, currency), (ZERO, ZERO))[1],
            calls=calls or 0,
            leads=leads or 0,
        )
        for version_id, message_id, calls, leads in used
        for model in AttributionModel
        for currency in Opportunity.Currency.values
    ]
    VersionRank.objects.filter(version_id__in=ids).delete()
    VersionRank.objects.bulk_create(ranks)
    return len(ranks)


def _decimal(value, places: Decimal) -> Decimal:
    # SQLite sums decimals as floats; rounding to the stored places makes both
    # databases agree (per-row values are already exact at these places).
    if value is None:
        return ZERO.quantize(places)
    return Decimal(str(value)).quantize(places, ROUND_HALF_EVEN)


def attribution_rebuild_all(*, batch_size: int = REBUILD_BATCH) -> dict[str, int]:
    """Rebuild every lead's attribution and every version's rollups from scratch.

    For an existing database, the demo, and the nightly safety net (an amount edited in
    the admin sends no signal). Streams call logs in lead order, so memory stays at one
    batch of leads; each batch is its own transaction. Leads that no longer have calls
    lose their rows; versions no longer used lose their rollups.
    """
    stream = (
        CallLog.objects.filter(version__isnull=False)
        .order_by("lead_id", "occurred_at", "pk")
        .values_list("lead_id", "version_id", "occurred_at", "pk")
        .iterator(chunk_size=5000)
    )
    per_lead = ((lead_id, [c[1:] for c in calls]) for lead_id, calls in groupby(stream, key=_lead))
    leads = rows = 0
    seen_leads: list[int] = []
    while batch := list(islice(per_lead, batch_size)):
        lead_ids = [lead_id for lead_id, _calls in batch]
        deals = _opportunities_for(lead_ids)
        new_rows = []
        for lead_id, calls in batch:
            new_rows += lead_attribution_rows(
                lead_id=lead_id, calls=calls, opportunity=deals.get(lead_id)
            )
        with transaction.atomic():
            LeadAttribution.objects.filter(lead_id__in=lead_ids).delete()
            LeadAttribution.objects.bulk_create(new_rows, batch_size=1000)
        leads += len(batch)
        rows += len(new_rows)
        seen_leads += lead_ids
    _delete_rows_of_leads_without_calls(seen_leads)
    versions = _refresh_all_rollups()
    return {"leads": leads, "rows": rows, "versions": versions}


def _lead(call):
    return call[0]


def _delete_rows_of_leads_without_calls(seen_leads: list[int]) -> None:
    seen = set(seen_leads)
    stale = [
        lead_id
        for lead_id in LeadAttribution.objects.values_list("lead_id", flat=True).distinct()
        if lead_id not in seen
    ]
    for start in range(0, len(stale), 500):
        LeadAttribution.objects.filter(lead_id__in=stale[start : start + 500]).delete()


def _refresh_all_rollups() -> int:
    used = sorted(set(LeadAttribution.objects.values_list("version_id", flat=True).distinct()))
    VersionReach.objects.exclude(version_id__in=used).delete()
    VersionAttribution.objects.exclude(version_id__in=used).delete()
    for start in range(0, len(used), 200):
        version_rollups_refresh(version_ids=used[start : start + 200])
    # Ranks of versions outside `used`: counted calls but no lead rows left, or ranked
    # before and used no more (their refresh drops or rewrites them).
    others = set(VersionRank.objects.values_list("version_id", flat=True).distinct())
    others |= set(VersionStats.objects.filter(uses__gt=0).values_list("version_id", flat=True))
    others = sorted(others - set(used))
    for start in range(0, len(others), 200):
        version_ranks_refresh(version_ids=others[start : start + 200])
    return len(used)


# --- Loop health: one HandoffFact per handed-off lead --------------------------------------


def _facts_of(leads) -> list[HandoffFact]:
    """The HandoffFact rows (unsaved) of these leads' current handoffs, computed by the
    request-time definitions themselves (insight.figures rules 2 and 4), so the rollup
    and the old computation cannot drift apart."""
    rows = (
        figures.with_first_touch(leads.filter(handed_off_at__isnull=False))
        .annotate(breached=figures.has_counted_breach())
        .values_list("pk", "handed_off_at", "first_touch", "breached")
    )
    return [
        HandoffFact(lead_id=pk, handed_off_at=handed, first_touch=first, breached=breached)
        for pk, handed, first, breached in rows
    ]


def _facts_write(lead_ids: list[int], facts: list[HandoffFact]) -> int:
    kept = {fact.lead_id for fact in facts}
    gone = [lead_id for lead_id in lead_ids if lead_id not in kept]
    if gone:
        # No longer handed off (waiting in the backlog): nothing for loop health to count.
        HandoffFact.objects.filter(lead_id__in=gone).delete()
    HandoffFact.objects.bulk_create(
        facts,
        update_conflicts=True,
        unique_fields=["lead"],
        update_fields=["handed_off_at", "first_touch", "breached", "updated_at"],
    )
    return len(facts)


# No savepoint: called inside the caller's transaction (an attempt, a handoff), where a
# savepoint would be two more statements on every call log for nothing to roll back to.
@transaction.atomic(savepoint=False)
def handoff_facts_rebuild(*, lead_ids) -> int:
    """Recompute the HandoffFact rows of these leads from their attempts and SLA
    breaches, replacing what was there; returns the rows written.

    Called inside the transaction of every write that changes them (insight.signals:
    an attempt logged and the breaches it resolved, a breach recorded, a handoff or a
    backlog release), so the page never reads a figure older than the leads. The leads
    are read FOR NO KEY UPDATE, in id order, in the same query: a breach scan and an
    attempt on one lead then rebuild one after the other, the second reading what the
    first committed (the attempt's own service already holds the lead's lock). Two
    queries whatever the number of leads.
    """
    ids = sorted(set(lead_ids))
    if not ids:
        return 0
    leads = Lead.objects.filter(pk__in=ids).select_for_update(no_key=True, of=("self",))
    facts = _facts_of(leads.order_by("pk"))
    return _facts_write(ids, facts)


def handoff_facts_rebuild_all(*, batch_size: int = 5000) -> int:
    """Recompute every HandoffFact from the attempts and breaches: for an existing
    database, seed data, and the nightly safety net (an attempt deleted in the admin or
    a handoff time set by hand sends no signal). Leads in id ranges of `batch_size`,
    each range its own transaction; rows of leads no longer handed off are dropped.
    Returns the rows written."""
    written = 0
    handed = Lead.objects.filter(handed_off_at__isnull=False).order_by("pk")
    after = 0
    while True:
        ids = list(handed.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            leads = Lead.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
            locked = leads.select_for_update(no_key=True, of=("self",)).order_by("pk")
            written += _facts_write([], _facts_of(locked))
        after = ids[-1]
    HandoffFact.objects.filter(lead__handed_off_at__isnull=True).delete()
    return written
