"""How the aggregates stay current: signals from the other apps' services enqueue the
rebuild of one lead after their commit; the nightly rebuild and the command redo all."""

from decimal import Decimal

from django.core.management import call_command

from feedback import services as feedback_services
from insight.models import LeadAttribution, VersionAttribution, VersionReach
from insight.tasks import attribution_rebuild_all_task, lead_attribution_rebuild_task
from leads import services as lead_services


def test_a_counted_call_enqueues_the_leads_rebuild_after_commit(
    rep_a, v1, accepted_by, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    with django_capture_on_commit_callbacks(execute=False) as created:
        call_log = feedback_services.call_log_create(
            user=rep_a, lead=lead, version=v1, reaction=4, outcome="interested",
            edited_body=v1.body,
        )  # fmt: skip
    assert len(created) == 1  # the feedback engine, not yet insight
    with django_capture_on_commit_callbacks(execute=False) as processed:
        assert feedback_services.call_log_process(call_log_id=call_log.pk)
    assert not LeadAttribution.objects.exists()  # nothing before the commit
    for callback in processed:
        callback()
    assert LeadAttribution.objects.get().version == v1
    assert VersionReach.objects.get(version=v1).leads == 1
    # A second run of the engine counts nothing and enqueues nothing.
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert not feedback_services.call_log_process(call_log_id=call_log.pk)
    assert again == []


def test_opportunity_create_and_close_rebuild_the_lead(
    rep_a, v1, accepted_by, log_call, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    log_call(rep_a, v1, lead=lead)
    lead.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as created:
        opportunity = lead_services.opportunity_create(lead=lead, user=rep_a, amount=Decimal(700))
    assert len(created) == 1
    assert VersionAttribution.objects.get(model="first").pipeline == Decimal("700.00")
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.opportunity_close(
            opportunity=opportunity, user=rep_a, won=True, amount=Decimal(750)
        )
    row = VersionAttribution.objects.get(model="linear")
    assert (row.wins, row.won_revenue) == (Decimal(1), Decimal("750.00"))


def test_rebuild_task_of_a_deleted_lead_is_harmless(db):
    assert lead_attribution_rebuild_task(123456) == 0


def test_nightly_task_and_command_rebuild_everything(attribution_story, capsys):
    LeadAttribution.objects.all().delete()
    VersionAttribution.objects.all().delete()
    assert attribution_rebuild_all_task()["leads"] == 5
    assert VersionAttribution.objects.filter(model="linear").count() == 4
    call_command("insight_rebuild")
    assert "5 leads" in capsys.readouterr().out


def test_beat_schedules_the_rebuild(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "insight.tasks.attribution_rebuild_all_task" in tasks


def test_rebuilding_several_leads_at_once_equals_rebuilding_each(attribution_story):
    from insight import services

    def snapshot():
        leads = sorted(LeadAttribution.objects.values_list("lead_id", "version_id", "calls"))
        money = sorted(
            VersionAttribution.objects.values_list("version_id", "model", "wins", "pipeline")
        )
        return leads, money

    lead_ids = sorted(set(LeadAttribution.objects.values_list("lead_id", flat=True)))
    for lead_id in lead_ids:
        services.lead_attribution_rebuild(lead_id=lead_id)
    one_by_one = snapshot()
    LeadAttribution.objects.all().delete()
    VersionAttribution.objects.all().delete()
    services.leads_attribution_rebuild(lead_ids=[*lead_ids, 987654])  # a deleted lead too
    assert snapshot() == one_by_one
