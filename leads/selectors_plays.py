"""The reads behind the play editor and the persona page."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from .models import (
    Handoff,
    Lead,
    LeadList,
    Play,
    PlayStep,
)


def _count_of(queryset):
    """A correlated COUNT(*) subquery (two joined counts would multiply each other)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(group=Value(1))
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def plays_annotated():
    return Play.objects.select_related("persona").annotate(
        step_count=_count_of(PlayStep.objects.filter(play=OuterRef("pk"))),
        lead_count=_count_of(Lead.objects.filter(play=OuterRef("pk"))),
        handoff_count=_count_of(Handoff.objects.filter(play=OuterRef("pk"))),
    )


def play_list(*, filters):
    """The play list: every play (active first), with its step and lead counts."""
    from .filters import PlayFilter

    filterset = PlayFilter(filters, queryset=plays_annotated().order_by("-is_active", "name", "pk"))
    return filterset, filterset.qs


def play_for_edit(*, pk) -> Play:
    return (
        plays_annotated()
        .prefetch_related(
            Prefetch("steps", queryset=PlayStep.objects.select_related("message__live_version"))
        )
        .get(pk=pk)
    )


@dataclass
class PersonaOverview:
    persona: object
    messages: list
    plays: list
    lead_lists: list
    lead_count: int
    won: int
    closed: int

    @property
    def win_rate(self) -> float | None:
        """Won over closed (won or lost) opportunities of the persona's leads; None
        before any has closed, so the page says "no closed deals yet" rather than 0 %."""
        return self.won / self.closed if self.closed else None


def persona_overview(*, persona) -> PersonaOverview:
    """Everything linked to a persona, for its page: its messages (with their live
    versions), the plays that suit it, the lead lists imported for it, and the win rate
    of its leads. Five queries whatever the persona's size."""
    from .models import Opportunity

    messages = list(persona.messages.select_related("live_version").order_by("title")[:200])
    plays = list(plays_annotated().filter(persona=persona).order_by("-is_active", "name"))
    lead_lists = list(LeadList.objects.filter(persona=persona).order_by("-created_at")[:50])
    figures = Opportunity.objects.filter(lead__persona=persona).aggregate(
        won=Count("pk", filter=Q(stage=Opportunity.Stage.WON)),
        closed=Count("pk", filter=Q(stage__in=[Opportunity.Stage.WON, Opportunity.Stage.LOST])),
    )
    lead_count = Lead.objects.filter(persona=persona).count()
    return PersonaOverview(
        persona=persona,
        messages=messages,
        plays=plays,
        lead_lists=lead_lists,
        lead_count=lead_count,
        won=figures["won"],
        closed=figures["closed"],
    )
