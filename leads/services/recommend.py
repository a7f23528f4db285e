"""The play recommended when a lead is handed off (the rule is leads.recommend)."""

from django.db.models import Count, Q

from ..models import Lead, Play, PlayStep
from ..recommend import Recommendation, recommend


def lead_attrs(lead: Lead) -> dict:
    account = lead.account if lead.account_id else None
    return {
        "source": lead.source,
        "size": account.size if account else "",
        "industry": account.industry if account else "",
    }


def play_recommendation(lead: Lead, rows_by_persona: dict | None = None) -> Recommendation:
    """Evidence from the closed leads of the lead's persona, in one grouped query
    (`rows_by_persona` caches it across the leads of one batch)."""
    if rows_by_persona is not None and lead.persona_id in rows_by_persona:
        return recommend(lead_attrs(lead), rows_by_persona[lead.persona_id])
    rows = (
        Lead.objects.filter(
            status__in=[Lead.Status.WON, Lead.Status.LOST],
            play__isnull=False,
            play__is_active=True,
            persona_id=lead.persona_id,
        )
        .values("play_id", "source", "account__size", "account__industry")
        .annotate(n=Count("pk"), wins=Count("pk", filter=Q(status=Lead.Status.WON)))
        .order_by()
    )
    grouped = [
        {
            "play_id": row["play_id"],
            "source": row["source"],
            "size": row["account__size"] or "",
            "industry": row["account__industry"] or "",
            "n": row["n"],
            "wins": row["wins"],
        }
        for row in rows
    ]
    if rows_by_persona is not None:
        rows_by_persona[lead.persona_id] = grouped
    return recommend(lead_attrs(lead), grouped)


def recommendation_shown(lead: Lead) -> dict:
    """What the handoff page shows: the recommendation, its play and the live message
    versions of the play's steps (two queries more when a play is recommended)."""
    result = play_recommendation(lead)
    best_id = result.play_id or (result.evidence.play_id if result.evidence else None)
    play = Play.objects.filter(pk=best_id).first() if best_id else None
    versions = []
    if play is not None:
        steps = PlayStep.objects.filter(play=play).select_related("message__live_version")
        versions = [
            (step.message, step.message.live_version)
            for step in steps
            if step.message_id and step.message.live_version_id
        ]
    return {"result": result, "play": play, "versions": versions}
