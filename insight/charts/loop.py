"""The loop-health page's figures (chart, table and CSV of each)."""

from datetime import timedelta

from .svg import PALETTE, Figure, _rate, bar_chart, column_chart, stacked_bar_chart

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
