"""Charts drawn on the server as SVG: scales, formatting and the chart builders.

No JavaScript and no inline styles, so the Content Security Policy can stay 'self':
colours are SVG presentation attributes. Every chart is an <svg role="img"> labelled by
its own <title> and <desc>, with both axes labelled; every text is escaped here.
Each figure carries the table of its numbers, which the page shows behind a
<details> toggle and the CSV view downloads with the same filters.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 760
LABEL_WIDTH = 250
BAR_HEIGHT = 22
GAP = 8
TOP = 34
BOTTOM = 44
RIGHT = 70
PALETTE = ("#2f5bd3", "#1d7a46", "#a86400", "#b3261e", "#6b4fbb", "#00838f")
# Reactions 1 (very negative) to 5 (very positive): red to green, readable on white.
REACTION_COLOURS = ("#b3261e", "#e07a5f", "#a0a7b4", "#66a872", "#1d7a46")
REACTION_NAMES = ("Very negative", "Negative", "Neutral", "Positive", "Very positive")


@dataclass
class Figure:
    """One chart with the numbers behind it."""

    key: str
    title: str
    description: str
    svg: SafeString | str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    empty_hint: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def display_rows(self) -> list[list[str]]:
        return [[_display(cell) for cell in row] for row in self.rows]

    def table_html(self) -> SafeString:
        """The <thead> and <tbody> of the numbers' table, every cell escaped. Written here
        rather than in the template: a table of 200 salespeople is a thousand cells, and
        the template engine's loops over them were most of the page's rendering time."""
        numeric = ' class="num"'
        head = "".join(
            f'<th scope="col"{numeric if index else ""}>{conditional_escape(header)}</th>'
            for index, header in enumerate(self.headers)
        )
        rows = []
        for row in self.display_rows():
            first, *rest = [conditional_escape(cell) for cell in row]
            cells = "".join(f'<td class="num">{cell}</td>' for cell in rest)
            rows.append(f'<tr><th scope="row">{first}</th>{cells}</tr>')
        body = "\n".join(rows)
        # Every text above is escaped.
        return mark_safe(f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>")  # noqa: S308


def _display(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# --- Scales and formatting --------------------------------------------------------------


def nice_ticks(maximum: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least `maximum` (1, 2, 2.5 or 5 times a power of
    10); `whole` keeps steps at 1 or more, for counts of things."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if whole:
        step = max(1, math.ceil(step))
    ticks, value = [], 0.0
    while value < maximum - 1e-9:
        ticks.append(value)
        value += step
    ticks.append(value)
    return ticks


def short_number(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            scaled = value / limit
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%"


def _truncate(text: str, length: int = 36) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _open(key: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'aria-labelledby="{key}-title" aria-describedby="{key}-desc">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
    ]


def _text(x, y, text, anchor="start", css="tick", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}"{extra}>'
        f"{escape(text)}</text>"
    )


def _empty_svg(key: str, title: str, description: str) -> SafeString:
    parts = _open(key, title, description, 60)
    parts.append(_text(WIDTH / 2, 34, "No data for these filters yet", "middle", "empty"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _rate(value):
    """A share as a percentage with one decimal, for tables and CSV."""
    # + 0.0 turns a rounded -0.0 into 0.0.
    return None if value is None else round(value * 100, 1) + 0.0


# --- Builders ----------------------------------------------------------------------------


def _rows_height(rows: int) -> float:
    # At least room for three rows, so the rotated axis title fits beside one bar.
    return max(rows, 3) * (BAR_HEIGHT + GAP)


def bar_chart(
    *, key, title, description, labels, values, x_label, y_label, fmt=short_number, whole=True
):
    """Horizontal bars, one per label: long labels (message titles) stay readable."""
    if not labels:
        return _empty_svg(key, title, description)
    series = [(x_label, [float(v or 0) for v in values], PALETTE[0])]
    return stacked_bar_chart(
        key=key, title=title, description=description, labels=labels, series=series,
        x_label=x_label, y_label=y_label, fmt=fmt, legend=False, whole=whole,
    )  # fmt: skip


def stacked_bar_chart(
    *, key, title, description, labels, series, x_label, y_label, fmt=short_number, legend=True,
    whole=True,
):  # fmt: skip
    """Horizontal bars with stacked segments; `series` is [(name, values, colour)]."""
    if not labels:
        return _empty_svg(key, title, description)
    totals = [sum(values[i] for _n, values, _c in series) for i in range(len(labels))]
    ticks = nice_ticks(max(totals or [0]), whole=whole)
    top = TOP + (18 if legend else 0)
    plot_width = WIDTH - LABEL_WIDTH - RIGHT
    height = top + _rows_height(len(labels)) + BOTTOM
    scale = plot_width / ticks[-1]
    parts = _open(key, title, description, height)
    if legend:
        x = LABEL_WIDTH
        for name, _values, colour in series:
            parts.append(f'<rect x="{x}" y="{TOP - 10}" width="12" height="12" fill="{colour}"/>')
            parts.append(_text(x + 16, TOP, name, css="legend"))
            x += 24 + 7 * len(name)
    bottom = top + _rows_height(len(labels))
    for tick in ticks:
        x = LABEL_WIDTH + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" class="grid"/>')
        parts.append(_text(x, bottom + 14, fmt(tick), "middle"))
    offset = (_rows_height(len(labels)) - len(labels) * (BAR_HEIGHT + GAP)) / 2
    for index, label in enumerate(labels):
        y = top + offset + index * (BAR_HEIGHT + GAP)
        parts.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT * 0.7, _truncate(label), "end", "label"))
        x = LABEL_WIDTH
        for name, values, colour in series:
            width = values[index] * scale
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{colour}"><title>{escape(label)}: {escape(name)} '
                    f"{escape(fmt(values[index]))}</title></rect>"
                )
            x += width
        parts.append(_text(x + 6, y + BAR_HEIGHT * 0.7, fmt(totals[index]), css="value"))
    parts.append(_text(LABEL_WIDTH + plot_width / 2, height - 6, x_label, "middle", "axis"))
    parts.append(
        _text(14, top + (bottom - top) / 2, y_label, "middle", "axis",
              f' transform="rotate(-90 14 {top + (bottom - top) / 2:.1f})"')
    )  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def column_chart(*, key, title, description, labels, series, x_label, y_label):
    """Vertical stacked columns over time (weeks); `series` is [(name, values, colour)]."""
    if not labels:
        return _empty_svg(key, title, description)
    left, top, height = 64, TOP + 18, 280
    plot_height = height - top - BOTTOM
    plot_width = WIDTH - left - 20
    totals = [sum(values[i] for _n, values, _c in series) for i in range(len(labels))]
    ticks = nice_ticks(max(totals), whole=True)
    scale = plot_height / ticks[-1]
    slot = plot_width / len(labels)
    column = min(48, slot * 0.7)
    parts = _open(key, title, description, height)
    x = left
    for name, _values, colour in series:
        parts.append(f'<rect x="{x}" y="{TOP - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, TOP, name, css="legend"))
        x += 24 + 7 * len(name)
    base = top + plot_height
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" class="grid"/>'
        )  # noqa: E501
        parts.append(_text(left - 6, y + 4, short_number(tick), "end"))
    every = max(1, math.ceil(len(labels) / 12))
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - column) / 2
        y = base
        for name, values, colour in series:
            h = values[index] * scale
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(label)}: {escape(name)} '
                    f"{values[index]}</title></rect>"
                )
        if index % every == 0 or index == len(labels) - 1:
            parts.append(_text(x + column / 2, base + 14, label, "middle"))
    parts.append(_text(left + plot_width / 2, height - 6, x_label, "middle", "axis"))
    parts.append(
        _text(14, top + plot_height / 2, y_label, "middle", "axis",
              f' transform="rotate(-90 14 {top + plot_height / 2:.1f})"')
    )  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def interval_chart(*, key, title, description, labels, points, x_label, y_label):
    """A dot per difference with its 95% interval as a line, around a zero line.
    `points` is [(difference, low, high)] as fractions; drawn in percentage points."""
    if not labels:
        return _empty_svg(key, title, description)
    reach = max(max(abs(low), abs(high)) for _d, low, high in points)
    bound = nice_ticks(reach * 100, 2)[-1]
    top = TOP
    plot_width = WIDTH - LABEL_WIDTH - RIGHT
    height = top + _rows_height(len(labels)) + BOTTOM
    bottom = top + _rows_height(len(labels))
    offset = (_rows_height(len(labels)) - len(labels) * (BAR_HEIGHT + GAP)) / 2

    def x_of(fraction):
        return LABEL_WIDTH + (fraction * 100 + bound) / (2 * bound) * plot_width

    parts = _open(key, title, description, height)
    for tick in (-bound, -bound / 2, 0, bound / 2, bound):
        x = x_of(tick / 100)
        css = "zero" if tick == 0 else "grid"
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" class="{css}"/>'
        )  # noqa: E501
        parts.append(_text(x, bottom + 14, f"{tick:+.0f}" if tick else "0", "middle"))
    for index, (label, (difference, low, high)) in enumerate(zip(labels, points, strict=True)):
        y = top + offset + index * (BAR_HEIGHT + GAP) + BAR_HEIGHT / 2
        colour = "#1d7a46" if low > 0 else "#b3261e" if high < 0 else "#5d6778"
        parts.append(_text(LABEL_WIDTH - 8, y + 4, _truncate(label), "end", "label"))
        parts.append(
            f'<line x1="{x_of(low):.1f}" y1="{y:.1f}" x2="{x_of(high):.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(
            f'<circle cx="{x_of(difference):.1f}" cy="{y:.1f}" r="6" fill="{colour}">'
            f"<title>{escape(label)}: {difference * 100:+.1f} points "
            f"(95% interval {low * 100:+.1f} to {high * 100:+.1f})</title></circle>"
        )
    parts.append(_text(LABEL_WIDTH + plot_width / 2, height - 6, x_label, "middle", "axis"))
    parts.append(
        _text(14, top + (bottom - top) / 2, y_label, "middle", "axis",
              f' transform="rotate(-90 14 {top + (bottom - top) / 2:.1f})"')
    )  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
