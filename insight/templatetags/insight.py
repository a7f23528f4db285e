from django import template

from insight.charts import percent

register = template.Library()


@register.filter
def pct(value):
    """0.625 → "62%"; None → "–"."""
    return percent(value)


@register.filter
def pts(value):
    """A difference of proportions in percentage points: 0.125 → "+12.5 pts"."""
    if value is None:
        return "–"
    shown = round(value * 100, 1) + 0.0  # never "-0.0"
    return f"{shown:+.1f} pts"
