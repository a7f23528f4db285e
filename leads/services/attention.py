"""Who in marketing hears that a lead list or source is going bad.

A burst of disqualifications from one lead list (DISQUALIFICATION_BURST within
BURST_WINDOW) usually means the list itself is wrong: a vendor's stale data, the wrong
persona. The marketer who imported the list is told, once per list per day, while
there is still time to stop working it; when the importer is gone (or the leads came
from a source, not a list) every active marketer is told, once per source per day.
lead_disqualify calls this in its transaction, so the notice commits with the
disqualification that tipped the count.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from notifications.services import notification_send
from smarketing import roles

from ..models import Lead

DISQUALIFICATION_BURST = 5
BURST_WINDOW = timedelta(hours=24)


def disqualification_burst_notify(*, lead: Lead, now=None) -> int:
    """If the lead's list (else its source) has had DISQUALIFICATION_BURST or more
    disqualifications in the last BURST_WINDOW, tell its importer (else marketing);
    returns how many notifications were created (0 once today's notice exists)."""
    now = now or timezone.now()
    if lead.lead_list_id:
        scope = Lead.objects.filter(lead_list_id=lead.lead_list_id)
        name = lead.lead_list.name
        importer = lead.lead_list.created_by
        recipients = [importer] if importer is not None and importer.is_active else None
        event = f"list:{lead.lead_list_id}"
        narrow = {"lead_list": lead.lead_list_id}
        what = f"the lead list ‘{name}’"
    elif lead.source:
        scope = Lead.objects.filter(source=lead.source, lead_list__isnull=True)
        recipients = None
        event = f"source:{lead.source}"
        narrow = {"source": lead.source}
        what = f"the source ‘{lead.source}’"
    else:
        return 0
    count = scope.filter(
        status=Lead.Status.DISQUALIFIED, disqualified_at__gt=now - BURST_WINDOW
    ).count()
    if count < DISQUALIFICATION_BURST:
        return 0
    if recipients is None:
        recipients = list(
            get_user_model().objects.filter(groups__name=roles.MARKETING, is_active=True)
        )
    today = timezone.localdate(now)
    period = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}
    # A URL name, not an import: the drill-down with the reps' notes is insight's page.
    url = f"{reverse('insight:disqualifications')}?{urlencode({**period, **narrow})}"
    sent = 0
    for recipient in recipients:
        sent += bool(
            notification_send(
                recipient=recipient,
                kind="disqualification_burst",
                text=f"{count} leads from {what} were disqualified in the last 24 hours",
                url=url,
                dedupe_key=f"disqualification-burst:{event}:{today.isoformat()}"[:200],
            )
        )
    return sent
