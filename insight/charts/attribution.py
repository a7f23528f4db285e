"""The attribution page's figures (chart, table and CSV of each)."""

from .svg import (
    REACTION_COLOURS,
    REACTION_NAMES,
    Figure,
    _rate,
    bar_chart,
    interval_chart,
    stacked_bar_chart,
)

# --- The attribution page's figures -------------------------------------------------------


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
