"""Demo conversations for `seed_demo`: calls on the live value proposition, several with
the same rewording of one passage, so the inbox opens on a real suggestion."""

from datetime import timedelta

from django.utils import timezone

from leads.models import Lead
from messaging.models import Message

from . import services
from .models import CallLog, ObjectionTag

OBJECTIONS = ["Too expensive", "Already have an ERP", "Bad timing", "Security review needed"]
PARAGRAPH = "Finance teams lose four days every month reconciling spreadsheets by hand."
REWORDINGS = [
    "Your finance team loses four days every month reconciling spreadsheets by hand.",
    "Your finance team loses four days each month reconciling spreadsheets by hand.",
    "Your finance team loses four days every month reconciling spreadsheets manually.",
]
QUOTES = [
    "Four days? For us it's closer to six.",
    "If you can show me that on our own numbers, I'm in.",
    "We tried a tool like this in 2022 and it died in the IT review.",
]


def seed_feedback(report, users) -> None:
    """Calls with reactions, objections, quotes and edits; skipped once calls exist."""
    for name in OBJECTIONS:
        if not ObjectionTag.objects.filter(name__iexact=name).exists():
            ObjectionTag.objects.create(name=name)
    if CallLog.objects.exists():
        report.counts["call logs"] = CallLog.objects.count()
        return
    message = Message.objects.filter(title="Value proposition for CFOs").first()
    version = message.live_version if message else None
    if version is None:
        return
    tags = {tag.name: tag for tag in ObjectionTag.objects.all()}
    leads = list(
        Lead.objects.filter(
            status__in=[Lead.Status.ACCEPTED, Lead.Status.OPPORTUNITY], owner__isnull=False
        ).select_related("owner")
    )
    now = timezone.now()
    for index, lead in enumerate(leads[:9]):
        edited = index < len(REWORDINGS) or index % 4 == 0
        wording = REWORDINGS[index % len(REWORDINGS)]
        services.call_log_create(
            user=lead.owner,
            lead=lead,
            version=version,
            reaction=5 if edited else (2 + index % 3),
            outcome="meeting_booked" if edited else ("not_now", "interested")[index % 2],
            edited_body=version.body.replace(PARAGRAPH, wording) if edited else version.body,
            # Never before the lead was handed over: the services refuse such a date.
            occurred_at=max(now - timedelta(days=index, hours=2), lead.handed_off_at),
            objections=[tags[OBJECTIONS[index % len(OBJECTIONS)]]],
            quote=QUOTES[index % len(QUOTES)] if index < 6 else "",
        )
    report.counts["call logs"] = CallLog.objects.count()
