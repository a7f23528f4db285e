"""Template helpers every app uses: `{% load core %}`."""

from django import template
from django.utils.html import format_html

from smarketing.idempotency import new_key

register = template.Library()


@register.simple_tag
def idempotency_input():
    """A hidden per-render token for a form that posts without a Django form object (the
    queue's one-click attempt buttons): a double click logs once (smarketing.idempotency)."""
    return format_html('<input type="hidden" name="idempotency_key" value="{}">', new_key())


@register.filter
def person(user) -> str:
    """A person as people call them: their full name, else their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
