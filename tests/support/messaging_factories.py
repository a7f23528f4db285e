"""Messaging test data built through the services, so tests follow the real paths."""

from messaging import services
from messaging.models import Message, MessageVersion, Persona


def make_message(marketer, *, title="Value proposition for CFOs", body="", kind=None, stage=None,
                 personas=(), tags=()) -> Message:  # fmt: skip
    return services.message_create(
        user=marketer,
        title=title,
        kind=kind or Message.Kind.VALUE_PROPOSITION,
        stage=stage or "consideration",
        body=body,
        personas=personas,
        tags=services.tags_from_names(list(tags)),
    )


def draft(message) -> MessageVersion:
    return message.versions.get(status=MessageVersion.Status.DRAFT)


def publish(message, marketer, *, body=None, summary="Ready for the field") -> MessageVersion:
    """Write `body` into the message's draft (opening one if needed) and publish it."""
    current = message.versions.filter(status=MessageVersion.Status.DRAFT).first()
    if current is None:
        current = services.draft_create(message=message, user=marketer)
    if body is not None:
        current = services.draft_save(
            version=current, user=marketer, body=body, revision=current.revision
        )
    return services.version_publish(version=current, user=marketer, change_summary=summary)


def make_persona(name="CFO, mid-size manufacturer") -> Persona:
    return Persona.objects.get_or_create(name=name)[0]
