"""Charts drawn on the server as SVG, and the figures (chart + table + CSV) of each page.

No JavaScript and no inline styles, so the Content Security Policy can stay 'self':
colours are SVG presentation attributes. Every chart is an <svg role="img"> labelled by
its own <title> and <desc>, with both axes labelled; every text is escaped here.
Each figure carries the table of its numbers, which the page shows behind a
<details> toggle and the CSV view downloads with the same filters.

The drawing is in `svg`, each page's figures in `attribution` and `loop`; the names
are re-exported here, so `from insight import charts` keeps working.
"""

from .attribution import attribution_figures
from .loop import duration, loop_health_figures
from .svg import (
    Figure,
    bar_chart,
    column_chart,
    interval_chart,
    nice_ticks,
    percent,
    short_number,
    stacked_bar_chart,
)

__all__ = [
    "Figure",
    "attribution_figures",
    "bar_chart",
    "column_chart",
    "duration",
    "interval_chart",
    "loop_health_figures",
    "nice_ticks",
    "percent",
    "short_number",
    "stacked_bar_chart",
]
