"""The experiment readout: counts per arm exactly, progress only before the planned
horizon, and at the horizon the differences and intervals a statistician gets by hand."""

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insight.selectors import experiment_counts, experiment_readout
from insight.selectors.experiments import ArmCounts, Readout
from leads import services as lead_services
from messaging import services, services_experiments
from messaging.models import Experiment


@pytest.fixture
def experiment(play, marketer):
    message = play.steps.get(position=0).message
    v2 = services.draft_create(message=message, user=marketer)
    services.draft_save(version=v2, user=marketer, body="# Save 20%", revision=v2.revision)
    return services_experiments.experiment_start(
        message=message,
        user=marketer,
        ends_on=timezone.localdate() + timedelta(days=30),
        baseline_rate=0.5,
        min_effect=0.1,
        change_summary="Lead with the saving",
        seed=2024,
    )


def _leads_of_each_arm(experiment, accepted_by, rep, play, per_arm=2):
    """Accepted leads until each arm has `per_arm` of them (assignment is a hash)."""
    found = {"control": [], "challenger": []}
    while min(len(v) for v in found.values()) < per_arm:
        lead = accepted_by(rep, play=play)
        arm = "control" if experiment.arm_of(lead.pk) == experiment.control else "challenger"
        if len(found[arm]) < per_arm:
            found[arm].append(lead)
    return found


def test_calls_and_wins_are_counted_per_arm_exactly(experiment, log_call, accepted_by, rep_a, play):
    leads = _leads_of_each_arm(experiment, accepted_by, rep_a, play)
    control, challenger = experiment.control, experiment.challenger
    c1, c2 = leads["control"]
    h1, h2 = leads["challenger"]
    # A call before the experiment started does not count (the start moved past it).
    log_call(rep_a, control, lead=c2, reaction=5)
    Experiment.objects.filter(pk=experiment.pk).update(starts_at=timezone.now())
    experiment.refresh_from_db()
    log_call(rep_a, control, lead=c1, reaction=5)
    log_call(rep_a, control, lead=c1, reaction=2)
    log_call(rep_a, control, lead=c2, reaction=3)
    log_call(rep_a, challenger, lead=h1, reaction=4)
    log_call(rep_a, challenger, lead=h2, reaction=5)
    # h2's rep used the control's wording once: it still counts for h2's arm, as a crossover.
    log_call(rep_a, control, lead=h2, reaction=1)
    opportunity = lead_services.opportunity_create(
        lead=h1, user=rep_a, amount=Decimal("5000"), name="Deal"
    )
    lead_services.opportunity_close(
        opportunity=opportunity, user=rep_a, won=True, amount=Decimal("5000")
    )

    counts = experiment_counts(experiment)

    assert counts["control"] == ArmCounts(calls=3, positive=1, leads=2, won=0, crossovers=0)
    assert counts["challenger"] == ArmCounts(calls=3, positive=2, leads=2, won=1, crossovers=1)


def test_before_the_horizon_the_readout_shows_progress_only(experiment, client_for, marketer):
    readout = experiment_readout(pk=experiment.pk)
    assert not readout.final
    assert readout.reaction is None and readout.wins is None
    page = client_for(marketer).get(f"/insight/experiments/{experiment.pk}/").content.decode()
    assert "Progress" in page
    assert "95% interval" not in page
    # After the planned end date it is final, whatever the counts.
    later = experiment_readout(pk=experiment.pk, today=experiment.ends_on + timedelta(days=1))
    assert later.final and not later.reached_plan


def _wilson(k, n, z=1.959963984540054):
    # Written out from Wilson (1927), independently of insight.stats.
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def test_the_readout_matches_a_hand_computation(experiment):
    # 30 of 40 challenger calls positive against 20 of 40; 6 of 30 leads won against 3 of 30.
    readout = Readout(
        experiment=experiment,
        control=ArmCounts(calls=40, positive=20, leads=30, won=3),
        challenger=ArmCounts(calls=40, positive=30, leads=30, won=6),
        final=True,
        reached_plan=True,
    )
    reaction = readout.reaction
    assert reaction.difference == pytest.approx(0.25)
    l1, u1 = _wilson(30, 40)
    l2, u2 = _wilson(20, 40)
    low = 0.25 - math.sqrt((0.75 - l1) ** 2 + (u2 - 0.5) ** 2)
    high = 0.25 + math.sqrt((u1 - 0.75) ** 2 + (0.5 - l2) ** 2)
    assert reaction.interval == pytest.approx((low, high))
    assert reaction.interval == pytest.approx((0.0379, 0.4333), abs=1e-4)
    assert reaction.verdict == "Better, beyond chance."
    wins = readout.wins
    assert wins.difference == pytest.approx(0.1)
    assert wins.interval == pytest.approx((-0.0882, 0.2850), abs=1e-4)
    assert readout.progress == pytest.approx(40 / 388)
