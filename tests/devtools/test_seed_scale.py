"""seed_scale at tiny sizes: the counts asked for, and figures that agree with the raw rows
exactly as if the engine had processed every call one by one."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from devtools.scale import NotEmpty, Sizes, scale_seed
from feedback import services as feedback_services
from feedback.models import CallLog, PassageEdit, Suggestion, VersionStats
from insight.models import LeadAttribution, VersionReach
from leads.models import Attempt, Lead, Opportunity, Team, TeamMembership
from messaging.models import Message, MessageVersion, Passage

TINY = Sizes(
    salespeople=6, teams=2, leads=120, messages=8, versions=20, calls=600, attempts=200,
    opportunities=25, marketers=2,
)  # fmt: skip


@pytest.fixture
def seeded(db):
    return scale_seed(sizes=TINY, password="pw-for-tests")


def test_every_table_gets_the_size_asked_for(seeded):
    assert Team.objects.count() == 2
    assert TeamMembership.objects.count() == 6
    assert Lead.objects.count() == 120
    assert Message.objects.count() == 8
    assert MessageVersion.objects.count() == 20
    assert CallLog.objects.count() == 600
    assert Attempt.objects.count() == 200
    assert Opportunity.objects.count() == 25
    assert seeded["calls"] == 600 and seeded["edits"] == PassageEdit.objects.count() > 0
    # Every version has its passages, and every message has exactly its live version.
    assert Passage.objects.values("version").distinct().count() == 20
    for message in Message.objects.select_related("live_version"):
        live = message.versions.filter(status="live")
        assert list(live) == ([message.live_version] if message.live_version else [])


def test_lead_columns_agree_with_their_attempts(seeded):
    for lead in Lead.objects.annotate(n=Count("attempts")):
        assert lead.attempt_count == lead.n
        if lead.n:
            first = lead.attempts.order_by("occurred_at").first()
            assert lead.first_touch_at == first.occurred_at
            assert {lead.owner_id} == set(lead.attempts.values_list("salesperson_id", flat=True))


def test_version_figures_match_the_raw_call_logs(seeded):
    assert VersionStats.objects.count() == CallLog.objects.values("version").distinct().count()
    for stats in VersionStats.objects.all():
        calls = CallLog.objects.filter(version_id=stats.version_id)
        assert stats.uses == calls.count()
        assert stats.edited_uses == calls.filter(has_edits=True).count()
        assert stats.reactions == [calls.filter(reaction=r).count() for r in range(1, 6)]
        assert sum(stats.outcomes.values()) == stats.uses
    assert not CallLog.objects.filter(processed_at__isnull=True).exists()


def test_suggestion_evidence_is_what_the_engine_computes(seeded):
    suggestions = list(Suggestion.objects.annotate(n=Count("edits")).filter(n__gt=0))
    assert suggestions
    fields = ["call_count", "rep_count", "without_count", "with_positive", "without_positive",
              "with_wins", "without_wins", "score"]  # fmt: skip
    for suggestion in suggestions:
        seeded_figures = [getattr(suggestion, f) for f in fields]
        feedback_services.suggestion_refresh(suggestion=suggestion)
        suggestion.refresh_from_db()
        assert seeded_figures == pytest.approx([getattr(suggestion, f) for f in fields])
    # Suggestions are open exactly on live versions.
    assert not Suggestion.objects.filter(status="open").exclude(version__status="live").exists()


def test_attribution_is_built_from_the_call_logs(seeded):
    leads_with_calls = CallLog.objects.values("lead").distinct().count()
    assert LeadAttribution.objects.values("lead").distinct().count() == leads_with_calls
    for reach in VersionReach.objects.all()[:10]:
        assert reach.leads == LeadAttribution.objects.filter(version_id=reach.version_id).count()
    assert VersionReach.objects.filter(opportunities__gt=0).exists()


def test_the_portal_inserts_after_the_seeded_ids(seeded):
    # Sequences were moved past the ids chosen by the seeder.
    lead = Lead.objects.create(email="after-the-seed@example.com")
    assert lead.pk == 121


def test_a_second_seed_is_refused(seeded):
    with pytest.raises(NotEmpty):
        scale_seed(sizes=TINY, password="x")
    with pytest.raises(CommandError, match="empty"):
        call_command("seed_scale", "--leads", "10", "--opportunities", "1", stdout=io.StringIO())


def test_the_command_prints_progress_and_counts(db):
    out = io.StringIO()
    call_command(
        "seed_scale", "--salespeople", "2", "--teams", "1", "--leads", "30", "--messages", "3",
        "--versions", "5", "--calls", "50", "--attempts", "20", "--opportunities", "4",
        "--marketers", "1", "--password", "pw", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "[1/8] people and teams" in text and "100%" in text
    assert "calls" in text and "Seeded in" in text
    assert CallLog.objects.count() == 50
    assert not Lead.objects.filter(
        ~Q(status="new"), owner__isnull=True, handoffs__isnull=True
    ).exists()


def test_the_seed_leaves_the_planner_with_statistics_of_what_it_loaded(db):
    """Without them the attribution page took 11.5 s on PostgreSQL until an ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        scale_seed(sizes=TINY, password="pw-for-tests")
    statements = [q["sql"].strip().upper() for q in queries.captured_queries]
    # After the raw rows (before the rebuilds read them) and after the rebuilds.
    assert statements.count("ANALYZE") == 2
    last_analyze = len(statements) - 1 - statements[::-1].index("ANALYZE")
    assert not any(s.startswith(("INSERT", "COPY")) for s in statements[last_analyze:])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'feedback_calllog'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'feedback_calllog'")
        assert cursor.fetchone()[0] > 0
