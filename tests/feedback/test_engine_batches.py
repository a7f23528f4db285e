"""The engine counts a version's waiting calls in one transaction: a backlog drains in
batches, each call still counted exactly once, and insight rebuilt once per batch."""

import pytest

from feedback import services
from feedback.models import CallLog, Suggestion, VersionStats
from insight.models import LeadAttribution, VersionReach
from smarketing.models import OutboxMessage
from tests.feedback.conftest import SAID

SAID_2 = SAID.replace("every month", "each month")
OTHER = SAID.replace(
    "Your finance team loses four days every month reconciling spreadsheets.",
    "Ask how many entities they consolidate and who owns the close calendar.",
)


@pytest.fixture
def backlog(rep_a, rep_b, v1, accepted_by, django_capture_on_commit_callbacks):
    """Five calls committed while no worker ran: none counted yet."""

    def log(rep, said, reaction):
        with django_capture_on_commit_callbacks(execute=False):
            return services.call_log_create(
                user=rep, lead=accepted_by(rep), version=v1, reaction=reaction,
                outcome="interested", edited_body=said,
            )  # fmt: skip

    calls = [
        log(rep_a, SAID, 5),
        log(rep_b, SAID_2, 4),
        log(rep_a, OTHER, 1),
        log(rep_b, v1.body, 2),
        log(rep_a, v1.body, 3),
    ]
    assert not CallLog.objects.filter(processed_at__isnull=False).exists()
    return calls


def test_one_task_counts_every_waiting_call_of_the_version(backlog, v1):
    assert services.call_log_process(call_log_id=backlog[2].pk) is True
    assert not CallLog.objects.filter(processed_at__isnull=True).exists()
    stats = VersionStats.objects.get(version=v1)
    assert (stats.uses, stats.edited_uses, stats.reactions) == (5, 3, [1, 1, 1, 1, 1])
    assert stats.outcomes == {"interested": 5}
    # The other calls' tasks then find their call counted and change nothing.
    for call in backlog:
        assert services.call_log_process(call_log_id=call.pk) is False
    stats.refresh_from_db()
    assert stats.uses == 5


def test_a_batch_groups_edits_and_its_evidence_is_exact(backlog, v1):
    services.call_log_process(call_log_id=backlog[0].pk)
    similar = Suggestion.objects.get(proposed_text__startswith="Your finance team")
    other = Suggestion.objects.get(kind="rewrite")  # too different: a rewrite of the passage
    assert (similar.call_count, similar.rep_count, similar.without_count) == (2, 2, 3)
    assert (similar.with_positive, similar.without_positive) == (1.0, 0.0)
    assert (other.call_count, other.without_count) == (1, 4)
    assert other.without_positive == 0.5
    # The bulk refresh agrees with refreshing each suggestion on its own.
    before = [(s.pk, s.call_count, s.without_count, s.score) for s in (similar, other)]
    for suggestion in (similar, other):
        services.suggestion_refresh(suggestion=suggestion)
    assert before == [(s.pk, s.call_count, s.without_count, s.score) for s in (similar, other)]


def test_a_batch_enqueues_one_insight_rebuild_for_all_its_leads(
    backlog, v1, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_process(call_log_id=backlog[0].pk)
    rebuilds = OutboxMessage.objects.filter(task_name__endswith="leads_attribution_rebuild_task")
    [rebuild] = rebuilds
    assert sorted(rebuild.args[0]) == sorted(call.lead_id for call in backlog)
    assert LeadAttribution.objects.count() == 5
    assert VersionReach.objects.get(version=v1).leads == 5


def test_a_backlog_larger_than_a_batch_drains_and_the_given_call_is_always_counted(
    backlog, v1, monkeypatch
):
    monkeypatch.setattr(services.engine, "ENGINE_BATCH", 2)
    assert services.call_log_process(call_log_id=backlog[4].pk) is True
    counted = set(CallLog.objects.filter(processed_at__isnull=False).values_list("pk", flat=True))
    assert counted == {backlog[0].pk, backlog[1].pk, backlog[4].pk}
    assert services.call_log_process(call_log_id=backlog[3].pk) is True
    assert not CallLog.objects.filter(processed_at__isnull=True).exists()
    assert VersionStats.objects.get(version=v1).uses == 5
