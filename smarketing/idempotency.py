"""A double submit counts once: one token per form render, claimed by the first write.

Every form that creates something a person would not want twice (a call log, an attempt,
a lead, a message) carries a hidden `idempotency_key` made when the form was rendered
(`IdempotencyField`). The service that creates the object wraps its write in `once()`:

1. Inside the service's transaction, insert an `IdempotencyKey(scope, key)` row in a
   savepoint. The unique constraint decides the race: on PostgreSQL a second, concurrent
   insert of the same key waits for the first transaction and then fails; on SQLite the
   writes are serialised by the IMMEDIATE transaction mode.
2. The first post creates the object and records its id on the row, in the same
   transaction, so the row and the object commit (or roll back) together.
3. A later post with the same key gets the first object back (`created` is False) and
   writes nothing: one call log, one attempt, one lead, whatever the network did.

A key another user claimed is refused rather than returned, so a token cannot be used to
read someone else's object. A post without a key (an API client, an old form) simply
creates, as before.
"""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import IdempotencyKey

KEY_LENGTH = 64


def new_key() -> str:
    return secrets.token_urlsafe(24)


class IdempotencyField(forms.CharField):
    """The hidden per-render token; a fresh one each time the form is built unbound."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", KEY_LENGTH)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("initial", new_key)
        super().__init__(**kwargs)


def once(*, scope: str, key: str | None, user, create, load):
    """Run `create()` once per (scope, key); return `(object, created)`.

    `create` makes and returns the object (a model instance with a pk); `load(pk)` reads
    the object a previous post created. Call it inside the service's transaction."""
    if not key:
        return create(), True
    key = str(key)[:KEY_LENGTH]
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(scope=scope, key=key, user_id=user_id)
        except IntegrityError:
            claim = IdempotencyKey.objects.get(scope=scope, key=key)
            if claim.user_id != user_id or claim.object_id is None:
                raise ValidationError(
                    "This form was already sent. Reload the page and try again."
                ) from None
            return load(claim.object_id), False
        made = create()
        claim.object_id = made.pk
        claim.save(update_fields=["object_id"])
        return made, True
