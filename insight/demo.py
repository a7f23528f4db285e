"""Demo figures for `seed_demo`: a short sales story on the CFO value proposition, so
that the attribution page has wins, losses, two currencies and versions to compare,
then a full rebuild of the aggregates (which also covers the calls other demo parts
logged). Built through the real services; skipped once its leads exist."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from feedback import services as feedback_services
from leads import services as lead_services
from leads.models import Lead
from messaging.models import Message, Persona

from . import services

DOMAIN = "insight-demo.example"
# rep, calls as (version number, reaction, outcome, days ago), deal as
# (amount, currency, "won" / "lost" / None for open) or None.
STORY = [
    ("alex", [(1, 2, "not_now", 60)], (Decimal("30000"), "EUR", "lost")),
    ("bea", [(1, 3, "interested", 58), (2, 4, "meeting_booked", 50)],
     (Decimal("42000"), "EUR", "won")),
    ("dana", [(1, 2, "not_interested", 55)], None),
    ("eli", [(1, 4, "interested", 54), (1, 3, "not_now", 40)], (Decimal("25000"), "EUR", "lost")),
    ("alex", [(2, 4, "meeting_booked", 45)], (Decimal("38000"), "EUR", "won")),
    ("bea", [(2, 5, "proposal_requested", 40)], (Decimal("51000"), "USD", "won")),
    ("chris", [(2, 3, "not_now", 38)], (Decimal("19000"), "EUR", "lost")),
    ("dana", [(2, 4, "interested", 33), (3, 5, "meeting_booked", 12)],
     (Decimal("64000"), "EUR", "won")),
    ("eli", [(3, 5, "meeting_booked", 20)], (Decimal("47000"), "EUR", "won")),
    ("fay", [(3, 4, "proposal_requested", 15)], (Decimal("33000"), "USD", None)),
    ("alex", [(3, 5, "meeting_booked", 10)], (Decimal("56000"), "EUR", None)),
    ("chris", [(3, 2, "not_now", 8)], None),
    ("fay", [(3, 4, "interested", 6)], (Decimal("28000"), "EUR", "won")),
]  # fmt: skip
NAMES = [("Hanna", "Vogel"), ("Marco", "Bianchi"), ("Lena", "Fischer"), ("Raj", "Patel"),
         ("Elif", "Yilmaz"), ("Tom", "Baker"), ("Sara", "Lindqvist"), ("Jan", "Kowalski"),
         ("Ines", "Duarte"), ("Kofi", "Mensah"), ("Nina", "Horvat"), ("Paul", "Girard"),
         ("Yuki", "Tanaka")]  # fmt: skip


def seed_insight(report, users) -> None:
    message = Message.objects.filter(title="Value proposition for CFOs").first()
    if message is not None and not Lead.objects.filter(email__endswith=f"@{DOMAIN}").exists():
        versions = {v.number: v for v in message.versions.published()}
        if {1, 2, 3} <= set(versions):
            with transaction.atomic():
                _seed_story(users, versions)
    result = services.attribution_rebuild_all()
    report.counts["attributed leads"] = result["leads"]
    # The demo sets handoff times by hand (after the services ran): recount them.
    report.counts["handoff facts"] = services.handoff_facts_rebuild_all()


def _seed_story(users, versions) -> None:
    maria, now = users["maria"], timezone.now()
    persona = Persona.objects.filter(name="CFO, mid-size manufacturer").first()
    for index, (rep_name, calls, deal) in enumerate(STORY):
        rep = users[rep_name]
        first, last = NAMES[index]
        lead = lead_services.lead_create(
            user=maria, email=f"{first}.{last}@{DOMAIN}".lower(), first_name=first,
            last_name=last, title="CFO", source="Webinar", persona=persona,
        )  # fmt: skip
        lead_services.lead_handoff(leads=[lead], user=maria, to_user=rep)
        lead_services.handoff_accept(handoff=lead.handoffs.get(), user=rep)
        if calls:
            # Handed over before the story's first call: a call may not predate it.
            handed = now - timedelta(days=max(days for *_, days in calls), hours=4)
            Lead.objects.filter(pk=lead.pk).update(
                handed_off_at=handed, first_touch_due_at=handed + timedelta(hours=24)
            )
            lead.handoffs.update(handed_off_at=handed, accepted_at=handed)
        for number, reaction, outcome, days_ago in calls:
            version = versions[number]
            lead.refresh_from_db()
            feedback_services.call_log_create(
                user=rep, lead=lead, version=version, reaction=reaction, outcome=outcome,
                edited_body=version.body, occurred_at=now - timedelta(days=days_ago),
            )  # fmt: skip
        if deal is None:
            continue
        amount, currency, result = deal
        lead.refresh_from_db()
        opportunity = lead_services.opportunity_create(
            lead=lead, user=rep, amount=amount, currency=currency
        )
        if result is not None:
            lead_services.opportunity_close(
                opportunity=opportunity, user=rep, won=result == "won", amount=amount
            )
