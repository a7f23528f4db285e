from django import template

from insight import charts
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


@register.filter
def duration(value):
    """A timedelta as people say it: "25 min", "5.5 h", "3.2 d"; None → "–"."""
    return charts.duration(value)


@register.filter
def money(value):
    """Whole currency units with thousands separators: Decimal("1500.40") → "1,500"."""
    if value is None:
        return "–"
    return f"{value:,.0f}"
