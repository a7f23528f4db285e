"""Field experiments: Maria tests a new wording of the CFO value proposition against the
live one; each lead is shown one of the two in its play until she ends the test."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging import services, services_experiments
from messaging.arms import arm_for
from messaging.models import Experiment, MessageVersion
from smarketing.models import AuditEntry


def _start(message, marketer, seed=99):
    return services_experiments.experiment_start(
        message=message,
        user=marketer,
        ends_on=timezone.localdate() + timedelta(days=30),
        baseline_rate=0.5,
        min_effect=0.1,
        change_summary="Lead with the saving",
        seed=seed,
    )


@pytest.fixture
def message(play):
    """The play's first message (v1 live) with a challenger draft v2 written."""
    message = play.steps.get(position=0).message
    v2 = services.draft_create(message=message, user=message.owner)
    services.draft_save(
        version=v2, user=message.owner, body="# Save 20%\n\nCut audit fees.", revision=v2.revision
    )
    return message


def test_starting_puts_the_draft_live_beside_the_live_version_with_the_plan_fixed(
    message, marketer
):
    experiment = _start(message, marketer)
    live = MessageVersion.objects.filter(message=message, status="live").order_by("number")
    assert [(v.number, v.challenger) for v in live] == [(1, False), (2, True)]
    message.refresh_from_db()
    assert message.live_version.number == 1  # the control
    assert experiment.planned_calls_per_arm == 388
    assert experiment.seed == 99
    assert AuditEntry.objects.filter(action="experiment.start").exists()


def test_one_live_version_or_one_running_experiment(message, marketer):
    _start(message, marketer)
    v3 = services.draft_create(message=message, user=marketer)
    with pytest.raises(ValidationError, match="experiment is running"):
        services.version_publish(version=v3, user=marketer, change_summary="Sneak it in")
    with pytest.raises(ValidationError, match="experiment"):
        services.version_retire(version=message.versions.get(number=1), user=marketer)
    with pytest.raises(ValidationError, match="already running"):
        _start(message, marketer)
    # And the database holds the line even if a service forgot it.
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageVersion.objects.filter(pk=v3.pk).update(
            status="live", challenger=True, published_at=timezone.now()
        )


def test_ending_keeps_the_winner_live_and_retires_the_other(message, marketer):
    experiment = _start(message, marketer)
    challenger = experiment.challenger
    services_experiments.experiment_end(experiment=experiment, user=marketer, winner=challenger)
    message.refresh_from_db()
    assert message.live_version == challenger
    states = dict(message.versions.values_list("number", "status"))
    assert states == {1: "retired", 2: "live"}
    assert not MessageVersion.objects.filter(challenger=True).exists()
    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner) == (Experiment.Status.ENDED, challenger)
    with pytest.raises(ValidationError, match="already ended"):
        services_experiments.experiment_end(experiment=experiment, user=marketer, winner=challenger)


def test_ending_for_the_control_retires_the_challenger(message, marketer):
    experiment = _start(message, marketer)
    services_experiments.experiment_end(
        experiment=experiment, user=marketer, winner=experiment.control
    )
    message.refresh_from_db()
    assert message.live_version.number == 1
    assert dict(message.versions.values_list("number", "status")) == {1: "live", 2: "retired"}
    # After the experiment, publishing works as before.
    v3 = services.draft_create(message=message, user=marketer)
    services.draft_save(version=v3, user=marketer, body="Third", revision=v3.revision)
    v3.refresh_from_db()
    assert services.version_publish(version=v3, user=marketer, change_summary="3").number == 3


def test_no_experiment_without_a_live_version_to_test_against(marketer):
    from tests.support.messaging_factories import make_message

    fresh = make_message(marketer, body="Only a draft", kind="talk_track")
    with pytest.raises(ValidationError, match="Publish a version first"):
        _start(fresh, marketer)


def test_the_play_shows_each_lead_its_arm_stably(message, marketer, rep_a, accepted_by, play):
    experiment = _start(message, marketer)
    leads = [accepted_by(rep_a, play=play) for _ in range(6)]
    from leads.selectors import lead_queue, leads_decorate

    for _ in range(2):  # the same answer on every page load
        _filter, queryset = lead_queue(user=rep_a, filters={})
        rows = list(queryset)
        leads_decorate(rows)
        for lead in rows:
            view = lead.step_views[0]
            expected = 1 if arm_for(experiment.pk, 99, lead.pk) == "control" else 2
            assert view.experiment == experiment
            assert view.live_version.number == expected
    shown = {lead.pk: experiment.arm_of(lead.pk).number for lead in leads}
    assert set(shown.values()) <= {1, 2}
    page = _lead_page(rep_a, leads[0])
    assert f"experiment: use v{shown[leads[0].pk]}" in page


def _lead_page(user, lead):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_experiment_pages(client_for, message, marketer):
    client = client_for(marketer)
    form = client.get(f"/messages/{message.pk}/experiment/new/")
    assert form.status_code == 200
    assert "calls</strong>" in form.content.decode()
    bad = client.post(
        f"/messages/{message.pk}/experiment/new/",
        {"change_summary": "x", "baseline_percent": 95, "min_effect_points": 10, "ends_on": "x"},
    )
    assert bad.status_code == 400
    response = client.post(
        f"/messages/{message.pk}/experiment/new/",
        {
            "change_summary": "Lead with the saving",
            "baseline_percent": 50,
            "min_effect_points": 10,
            "ends_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302
    experiment = Experiment.objects.get()
    detail = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Experiment running: v1 against v2" in detail
    readout = client.get(f"/insight/experiments/{experiment.pk}/")
    assert readout.status_code == 200
    assert "Progress" in readout.content.decode()
    end = client.post(
        f"/messages/{message.pk}/experiment/{experiment.pk}/end/",
        {"winner": experiment.challenger_id},
    )
    assert end.status_code == 302
    message.refresh_from_db()
    assert message.live_version_id == experiment.challenger_id
