"""Reads of the insight pages: each page is a fixed number of queries.

One module per page (attribution, health, cohorts, drilldown); the names are re-exported
here, so `from insight import selectors` and `selectors.loop_health(...)` keep working.
Patch a name where it is read (`insight.selectors.attribution.PAGE_SIZE`), not here.

Attribution reads only the rollup tables (VersionAttribution, VersionReach) and the
feedback engine's VersionStats, never call logs, so its cost follows the number of
versions, not of calls.

Loop health reads Lead joined to its HandoffFact row (the first touch and counted breach
of its current handoff, kept by insight.services), SlaBreach and Suggestion with grouped
aggregates, never a subquery per lead. The indexes it leans on: `insight_lead_handoff_idx`
(Lead.handed_off_at, added by insight's migration 0002 because this is the page that
filters on it) and `handoff_fact_handed_idx` for the period, the lead source skip scan
for the source list, SlaBreach's unique (lead, due_at) for the cohort's breaches, and
suggestion status indexes. Medians are exact: a count, then the middle one or two rows
of the sorted set (LIMIT 2 OFFSET n/2), which every database does without shipping rows
to Python.
"""

from .attribution import PAGE_SIZE, AttributionReport, VersionFigures, attribution_report
from .cohorts import SCORECARD_GROUP, Scorecard, Scorecards, scorecards
from .drilldown import Disqualifications, disqualifications
from .experiments import Readout, experiment_counts, experiment_readout
from .health import LoopHealth, loop_health

__all__ = [
    "PAGE_SIZE",
    "SCORECARD_GROUP",
    "AttributionReport",
    "Disqualifications",
    "LoopHealth",
    "Readout",
    "Scorecard",
    "Scorecards",
    "VersionFigures",
    "attribution_report",
    "disqualifications",
    "experiment_counts",
    "experiment_readout",
    "loop_health",
    "scorecards",
]
