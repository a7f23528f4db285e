"""The disqualification drill-down: why leads were disqualified."""

from dataclasses import dataclass, field

from django.db.models import (
    Count,
)

from leads.models import Lead

from .. import figures
from ..filters import DisqualificationFilter

# --- Disqualification drill-down ------------------------------------------------------


@dataclass
class Disqualifications:
    filterset: DisqualificationFilter
    leads: object = None
    # (reason id, reason name, leads) under every filter but the reason, most first.
    counts: list[tuple[int | None, str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n for _pk, _name, n in self.counts)


def disqualifications(*, user, filters) -> Disqualifications:
    """The disqualified leads the person may see, with the rep's reason and note, newest
    first, and the count per reason for the same filters except the reason itself (so
    each count can be a link that narrows the list to that reason).

    The list is a queryset (reason, owner and list joined), so a page of it is one query
    plus the paginator's count; the counts are one grouped query.
    """
    visible = Lead.objects.for_user(user).filter(figures.DISQUALIFIED)
    filterset = DisqualificationFilter(filters, queryset=visible)
    report = Disqualifications(filterset=filterset)
    if not filterset.is_valid():
        return report
    report.leads = filterset.qs.select_related(
        "disqualification_reason", "owner", "lead_list"
    ).order_by("-disqualified_at", "-pk")
    unreasoned = filterset.data.copy()
    unreasoned.pop("reason", None)
    siblings = DisqualificationFilter(unreasoned, queryset=visible)
    siblings.is_valid()
    report.counts = [
        (row["disqualification_reason_id"], row["disqualification_reason__name"] or "(no reason)",
         row["n"])
        for row in siblings.qs.order_by()
        .values("disqualification_reason_id", "disqualification_reason__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "disqualification_reason__name")
    ]  # fmt: skip
    return report
