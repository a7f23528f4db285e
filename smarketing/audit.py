"""The audit trail: one call, made by the service that carries the rule, in its transaction.

Actions recorded: version.publish, version.retire, suggestion.accept, suggestion.reject,
lead.handoff, handoff.accept, lead.reassign, lead.disqualify, lead.recycle,
opportunity.close, leads.import, play.create, play.update, play.archive, play.restore,
play.delete, objection.approve, objection.reject, objection.update, objection.merge,
user.roles (role and admin flag changes, from the user's side or the group's),
review.submit, review.approved, review.changes_requested, review.comment, review.reset (an
edit after submission), experiment.start, experiment.end, message.verify ("still
accurate"), api.* (every write through the API, naming the token: api.lead.create,
api.call_log.create...), api.token.create, api.token.revoke, webhook.create,
webhook.update, webhook.resend. Entries are append-only (database triggers: no UPDATE,
DELETE or TRUNCATE); admins read them in the Django admin.
"""

import contextvars
import json

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEntry

# The person behind the current request, for changes made outside a service (role
# changes in the admin arrive through model signals that know no user).
current_actor: contextvars.ContextVar = contextvars.ContextVar("current_actor", default=None)


def _plain(value):
    # JSONField needs JSON types: dates, decimals and UUIDs become strings.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(*, actor, action: str, target=None, before=None, after=None) -> AuditEntry:
    """Append one entry: who (actor), what (action on target), before and after."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        before=_plain(before),
        after=_plain(after),
    )


def audit_record_many(*, actor, action: str, changes) -> None:
    """Append one entry per (target, before, after), in one INSERT (bulk hand-offs)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            actor_label=actor.get_username() if actor else "",
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_label=str(target)[:300],
            before=_plain(before),
            after=_plain(after),
        )
        for target, before, after in changes
    )


class AuditActorMiddleware:
    """Remember who is making this request, for audit entries written by signals."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_actor.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
