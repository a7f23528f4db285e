from django import template

from messaging.diff import word_diff

register = template.Library()


@register.simple_tag
def redline(old: str, new: str):
    """Word-level redline of `new` against `old` (escaped, then marked up)."""
    return word_diff(old or "", new or "")


@register.filter
def percent(value):
    return "—" if value is None else f"{round(value * 100)}%"
