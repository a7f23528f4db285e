"""Charts drawn on the server as SVG, and the figures (chart + table + CSV) of each page.

No JavaScript and no inline styles, so the Content Security Policy can stay 'self':
colours are SVG presentation attributes. Every chart is an <svg role="img"> labelled by
its own <title> and <desc>, with both axes labelled; every text is escaped here.
Each figure carries the table of its numbers, which the page shows behind a
<details> toggle and the CSV view downloads with the same filters.
"""

import math
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils.html import escape
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


# --- The attribution page's figures -------------------------------------------------------


def _rate(value):
    # + 0.0 turns a rounded -0.0 into 0.0.
    return None if value is None else round(value * 100, 1) + 0.0


def attribution_figures(report) -> list[Figure]:
    rows, model, currency = report.rows, report.model_label, report.currency
    labels = [row.label for row in rows]
    figures = []

    won = [row for row in rows if row.won_revenue or row.pipeline]
    figures.append(
        Figure(
            key="revenue",
            title=f"Won revenue by version ({currency}, {model.lower()})",
            description=(
                f"Horizontal bars: won revenue in {currency} credited to each message version "
                f"under the {model.lower()} model."
            ),
            svg=bar_chart(
                key="revenue",
                title=f"Won revenue by version ({currency}, {model.lower()})",
                description=f"Won revenue in {currency} credited to each version.",
                labels=[row.label for row in won],
                values=[row.won_revenue for row in won],
                x_label=f"Won revenue ({currency})",
                y_label="Version",
            ),
            headers=[
                "Version",
                "Calls",
                "Leads touched",
                "Opportunities",
                "Closed",
                "Wins",
                "Win rate %",
                f"Pipeline {currency}",
                f"Won revenue {currency}",
            ],  # fmt: skip
            rows=[
                [
                    row.label,
                    row.calls,
                    row.leads,
                    row.opportunities.normalize(),
                    row.closed.normalize(),
                    row.wins.normalize(),
                    _rate(row.win_rate),
                    row.pipeline,
                    row.won_revenue,
                ]
                for row in rows
            ],  # fmt: skip
            empty_hint="Figures appear once salespeople log calls on published versions.",
        )
    )
    figures.append(
        Figure(
            key="reactions",
            title="Reaction mix by version",
            description=(
                "Stacked horizontal bars: how many calls with each version got each customer "
                "reaction, from very negative to very positive."
            ),
            svg=stacked_bar_chart(
                key="reactions",
                title="Reaction mix by version",
                description="Calls per reaction for each version.",
                labels=labels,
                series=[
                    (name, [row.reactions[i] for row in rows], REACTION_COLOURS[i])
                    for i, name in enumerate(REACTION_NAMES)
                ],
                x_label="Calls",
                y_label="Version",
            ),
            headers=["Version", *REACTION_NAMES, "Calls", "Positive %"],
            rows=[
                [row.label, *row.reactions, row.calls, _rate(row.positive_share)] for row in rows
            ],
        )
    )
    compared = report.comparisons
    for key, attribute, what in (
        ("lift-positive", "positive_lift", "positive reactions"),
        ("lift-wins", "win_lift", "win rate"),
    ):
        drawable = [row for row in compared if getattr(row, attribute).possible]
        title = f"Lift in {what} over the previous version"
        figures.append(
            Figure(
                key=key,
                title=title,
                description=(
                    f"Dots: difference in {what} between each version and its predecessor, in "
                    "percentage points; lines: 95% interval (Newcombe). A line crossing zero "
                    "means no clear difference."
                ),
                svg=interval_chart(
                    key=key,
                    title=title,
                    description=f"Difference in {what} with its 95% interval, per version.",
                    labels=[f"{row.label} vs v{row.predecessor.number}" for row in drawable],
                    points=[
                        (getattr(row, attribute).difference, *getattr(row, attribute).interval)
                        for row in drawable
                    ],
                    x_label="Difference (percentage points)",
                    y_label="Version",
                ),
                headers=[
                    "Version",
                    "Previous",
                    "New k",
                    "New n",
                    "New %",
                    "Previous k",
                    "Previous n",
                    "Previous %",
                    "Difference pts",
                    "95% low pts",
                    "95% high pts",
                    "Verdict",
                ],  # fmt: skip
                rows=[_lift_row(row, getattr(row, attribute)) for row in compared],
                empty_hint="A version appears here once it has a predecessor to compare with.",
            )
        )
    return figures


def _lift_row(row, comparison) -> list:
    interval = comparison.interval or (None, None)
    return [
        row.label, f"v{row.predecessor.number}", comparison.k1, comparison.n1,
        _rate(comparison.rate1), comparison.k2, comparison.n2, _rate(comparison.rate2),
        _rate(comparison.difference), _rate(interval[0]), _rate(interval[1]),
        comparison.verdict,
    ]  # fmt: skip


# --- The loop-health page's figures -------------------------------------------------------


def duration(value: timedelta | None) -> str:
    """A span as people say it: "25 min", "5.5 h", "3.2 d"."""
    if value is None:
        return "–"
    minutes = value.total_seconds() / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def loop_health_figures(health) -> list[Figure]:
    weeks = [row["week"].strftime("%d %b") for row in health.weekly]
    if not any(row["handed_off"] for row in health.weekly):
        weeks = []
    figures = [
        Figure(
            key="handoffs",
            title="Leads handed off per week, and touched within the SLA",
            description=(
                "Stacked columns per week of handoff: leads touched within their first-touch "
                "deadline, and the others."
            ),
            svg=column_chart(
                key="handoffs",
                title="Leads handed off per week",
                description="Per week: leads touched within the SLA, and the rest.",
                labels=weeks,
                series=[
                    ("Touched within SLA", [r["within"] for r in health.weekly], PALETTE[1]),
                    (
                        "Late or not yet",
                        [r["handed_off"] - r["within"] for r in health.weekly],
                        "#c5ccd8",
                    ),
                ],  # fmt: skip
                x_label="Week of handoff (starting Monday)",
                y_label="Leads",
            ),
            headers=[
                "Week starting",
                "Handed off",
                "Deadline passed or touched",
                "Touched within SLA",
                "Follow-up rate %",
            ],  # fmt: skip
            rows=[
                [
                    row["week"].isoformat(),
                    row["handed_off"],
                    row["due"],
                    row["within"],
                    _rate(row["within"] / row["due"]) if row["due"] else None,
                ]
                for row in health.weekly
            ]
            if weeks
            else [],  # fmt: skip
            empty_hint="No lead was handed off in this period.",
        )
    ]
    figures.append(_simple_bars(
        "reasons", "Disqualification reasons",
        "Horizontal bars: disqualified leads of the period by the reason sales gave.",
        health.reasons, "Disqualified leads", "Reason", ["Reason", "Leads"],
        "No lead handed off in this period was disqualified.",
    ))  # fmt: skip
    figures.append(_simple_bars(
        "attempts", "Attempts before disqualification",
        "Horizontal bars: how many disqualified leads had each number of attempts logged.",
        [(f"{n} attempt{'s' if n != 1 else ''}", count) for n, count in health.attempts],
        "Disqualified leads", "Attempts logged", ["Attempts", "Leads"],
        "No lead handed off in this period was disqualified.",
    ))  # fmt: skip
    for key, title, rows, what in (
        ("breaches-rep", "SLA breaches by salesperson", health.breaches_by_rep, "Salesperson"),
        ("breaches-team", "SLA breaches by team", health.breaches_by_team, "Team"),
    ):
        figures.append(
            Figure(
                key=key,
                title=title,
                description=(
                    f"Stacked horizontal bars per {what.lower()}: first-touch deadlines missed "
                    "in the period, split into resolved (touched late) and still open."
                ),
                svg=stacked_bar_chart(
                    key=key,
                    title=title,
                    description=f"Missed first-touch deadlines per {what.lower()}.",
                    labels=[name for name, _n, _open in rows],
                    series=[
                        ("Touched late", [n - still for _x, n, still in rows], PALETTE[2]),
                        ("Still untouched", [still for _x, _n, still in rows], PALETTE[3]),
                    ],
                    x_label="Breaches",
                    y_label=what,
                ),
                headers=[what, "Breaches", "Touched late", "Still untouched"],
                rows=[[name, n, n - still, still] for name, n, still in rows],
                empty_hint="No first-touch deadline was missed in this period.",
            )
        )
    suggestion_rows = [
        ("Raised", health.suggestions_raised),
        ("Accepted", health.suggestions_accepted),
        ("Shipped", health.suggestions_shipped),
    ]
    figures.append(_simple_bars(
        "suggestions", "Suggestions raised, accepted and shipped",
        "Horizontal bars: suggestions the engine raised, marketing accepted, and that went "
        "live in a published version, each counted in the period of its own event.",
        suggestion_rows if any(n for _s, n in suggestion_rows) else [],
        "Suggestions", "Stage", ["Stage", "Suggestions"],
        "No suggestion was raised, accepted or shipped in this period.",
    ))  # fmt: skip
    return figures


def _simple_bars(key, title, description, pairs, x_label, y_label, headers, empty_hint):
    return Figure(
        key=key,
        title=title,
        description=description,
        svg=bar_chart(
            key=key,
            title=title,
            description=description,
            labels=[label for label, _n in pairs],
            values=[n for _label, n in pairs],
            x_label=x_label,
            y_label=y_label,
        ),
        headers=headers,
        rows=[[label, n] for label, n in pairs],
        empty_hint=empty_hint,
    )
