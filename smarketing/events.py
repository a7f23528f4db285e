"""Domain events: what happened, told to whoever listens, without the teller knowing them.

A service that carries a rule calls `publish(name, payload)` inside its transaction,
right after the change it describes (a version went live, a lead was disqualified).
Receivers connect to `domain_event`; the webhooks (api.webhooks) are one. The core
package and the lower apps never import their listeners: the signal is the seam that
keeps the import layers (pyproject.toml) intact.

Receivers run inside the publisher's transaction, so whatever they write commits or rolls
back with the change: a receiver that sends something out must do it after the commit
(through smarketing.outbox), so that a rolled-back change sends nothing.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import Signal

# kwargs: name (one of EVENTS), payload (a JSON-ready dict)
domain_event = Signal()

EVENTS = {
    "version.published": "A message version went live.",
    "suggestion.accepted": "Marketing accepted a suggestion into a draft.",
    "lead.handed_off": "Marketing handed a lead to sales.",
    "lead.disqualified": "Sales let a lead go, with a reason.",
    "sla.breached": "A lead passed its first-touch deadline untouched.",
    "opportunity.closed": "A deal was closed, won or lost.",
}


def publish(name: str, payload: dict) -> None:
    """Tell the receivers of `domain_event` that `name` happened (inside the caller's
    transaction). Dates, decimals and ids in `payload` become JSON strings and numbers."""
    if name not in EVENTS:
        raise ValueError(f"Unknown domain event {name!r}; add it to smarketing.events.EVENTS.")
    plain = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    domain_event.send(sender=publish, name=name, payload=plain)
