"""Template tags of the lead pages."""

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from leads.models import Lead

register = template.Library()

_STATUS_LABELS = dict(Lead.Status.choices)


@register.simple_tag
def lead_status(lead):
    """A lead's status badge, and an "overdue" badge when its first touch is late.

    A tag rather than an included template: the lists show one per row, and an include
    (with get_status_display, which rebuilds the choices dict on each call) cost about
    40 µs a row, a sixth of a queue row. `is_late` is set by the selectors that decorate
    rows; without it the lead is asked.
    """
    badge = format_html(
        '<span class="badge status-{}">{}</span>',
        lead.status,
        _STATUS_LABELS.get(lead.status, lead.status),
    )
    if getattr(lead, "is_late", False) or lead.is_overdue():
        # Printed as the template printed {{ lead.first_touch_due_at }}: local time,
        # the locale's DATETIME_FORMAT.
        due = formats.localize(timezone.template_localtime(lead.first_touch_due_at))
        badge += format_html(
            ' <span class="badge overdue" title="First touch was due {}">overdue</span>', due
        )
    return badge
