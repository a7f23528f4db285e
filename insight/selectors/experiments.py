"""The readout of a field experiment (messaging.Experiment): counts per arm and, at the
planned horizon only, the differences with their intervals.

Counting, intention to treat: a call counts for the arm its *lead* was assigned
(messaging.arms), whichever of the two versions the salesperson said they used, because
the assignment is what was randomised; calls that used the other arm's version are
counted apart ("crossovers") so a sloppy arm shows. The calls counted are those logged
with either arm's version from the experiment's start to its end. Per arm:

- calls, and positive calls (reaction positive or very positive);
- leads (distinct leads with a counted call), and won leads (their deal is won).

Stopping rule, fixed horizon: the readout is *final* once both arms reached the planned
calls, or the planned end date has passed, or the experiment was ended. Before that the
page shows progress only (calls against the plan), no rates and no interval: reading a
difference every day and stopping on a good one finds winners that are noise.

At the horizon: the difference (challenger minus control) of the positive-reaction rate
and of the win rate, each with its 95% Newcombe interval (insight.stats).
"""

from dataclasses import dataclass

from django.utils import timezone

from feedback.models import CallLog
from leads.models import Opportunity
from messaging.arms import CHALLENGER, CONTROL, arm_for
from messaging.models import Experiment

from ..stats import Comparison


@dataclass
class ArmCounts:
    calls: int = 0
    positive: int = 0
    leads: int = 0
    won: int = 0
    crossovers: int = 0  # calls on this arm's leads that used the other version


@dataclass
class Readout:
    experiment: Experiment
    control: ArmCounts
    challenger: ArmCounts
    final: bool
    reached_plan: bool

    @property
    def planned(self) -> int:
        return self.experiment.planned_calls_per_arm

    @property
    def progress(self) -> float:
        """Share of the planned calls counted, on the arm furthest behind (0..1)."""
        least = min(self.control.calls, self.challenger.calls)
        return min(1.0, least / self.planned) if self.planned else 1.0

    @property
    def reaction(self) -> Comparison | None:
        """Positive-reaction rate, challenger against control: only when final."""
        if not self.final:
            return None
        c, k = self.challenger, self.control
        return Comparison(c.positive, c.calls, k.positive, k.calls)

    @property
    def wins(self) -> Comparison | None:
        """Win rate of the arm's leads, challenger against control: only when final."""
        if not self.final:
            return None
        c, k = self.challenger, self.control
        return Comparison(c.won, c.leads, k.won, k.leads)


def experiment_counts(experiment: Experiment) -> dict[str, ArmCounts]:
    """Calls and wins per arm (module doc), in two queries."""
    calls = CallLog.objects.filter(
        version_id__in=[experiment.control_id, experiment.challenger_id],
        occurred_at__gte=experiment.starts_at,
    )
    if experiment.ended_at is not None:
        calls = calls.filter(occurred_at__lte=experiment.ended_at)
    # Two reads, not a join: the calls through their (version, time) rows, then those
    # leads' deals by the unique lead index (a join planned without statistics read
    # every lead: tests/smarketing/test_query_plans.py).
    calls = list(calls.values_list("lead_id", "version_id", "reaction"))
    stage_of = dict(
        Opportunity.objects.filter(lead_id__in={lead_id for lead_id, _v, _r in calls})
        .values_list("lead_id", "stage")
    )  # fmt: skip
    rows = [
        (lead_id, version_id, reaction, stage_of.get(lead_id))
        for lead_id, version_id, reaction in calls
    ]
    counts = {CONTROL: ArmCounts(), CHALLENGER: ArmCounts()}
    version_of = {CONTROL: experiment.control_id, CHALLENGER: experiment.challenger_id}
    leads: dict[str, dict[int, bool]] = {CONTROL: {}, CHALLENGER: {}}
    for lead_id, version_id, reaction, stage in rows:
        arm = arm_for(experiment.pk, experiment.seed, lead_id)
        figures = counts[arm]
        figures.calls += 1
        figures.positive += reaction >= CallLog.Reaction.POSITIVE
        figures.crossovers += version_id != version_of[arm]
        leads[arm][lead_id] = stage == Opportunity.Stage.WON
    for arm, won_by_lead in leads.items():
        counts[arm].leads = len(won_by_lead)
        counts[arm].won = sum(won_by_lead.values())
    return counts


def experiment_readout(*, pk: int, today=None) -> Readout:
    """The readout page's figures; raises Experiment.DoesNotExist (the view 404s)."""
    experiment = Experiment.objects.select_related(
        "message", "control", "challenger", "winner", "started_by"
    ).get(pk=pk)
    today = today or timezone.localdate()
    counts = experiment_counts(experiment)
    planned = experiment.planned_calls_per_arm
    reached = all(c.calls >= planned for c in counts.values())
    final = reached or today > experiment.ends_on or not experiment.is_running
    return Readout(
        experiment=experiment,
        control=counts[CONTROL],
        challenger=counts[CHALLENGER],
        final=final,
        reached_plan=reached,
    )
