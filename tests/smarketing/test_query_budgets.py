"""Query budgets: every key page runs the same number of SQL queries at two data sizes,
under the ceiling stated here, in one place.

The data comes from seed_scale at two small sizes (the second ten times the first), so
the pages see the same shapes as the benchmark's data: skewed message use, leads with
attempts and deals, suggestions, attribution rollups. The page-level tests in each app
(tests/*/test_views.py, tests/leads/test_selectors.py) check other pages and story
data; this module is the one list the benchmark's pages are held to.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devtools.scale import Sizes, scale_seed
from feedback.models import CallLog, ObjectionTag, Suggestion, VersionStats
from insight.models import LeadAttribution, VersionAttribution, VersionReach
from leads.models import Account, Attempt, Lead, Opportunity, Team
from messaging.models import Message, MessageVersion, Persona
from smarketing.immutability import purge_allowed

# page: ceiling of SQL queries per request (session, user and navigation included).
# Measured at the end of issue 19 (2026-12-02, SQLite and PostgreSQL alike): queue 5,
# lead list 5, team 6, lead detail 7, library 10, message 10, compare 4, call-log form 9,
# call-log POST 18 (two of them rebuild the lead's loop-health row, insight.HandoffFact,
# in the transaction), inbox 8, loop health 12, attribution 4, review 11, experiment
# readout 2, agreement 1, capacity 15, bare 0. The ceilings leave a little room.
BUDGETS = {
    "queue": 8,
    "lead list, 2 filters": 8,
    "team": 9,
    "lead detail": 10,
    "library": 14,  # 13, and the reasons from the field to review (messaging.freshness)
    "message": 14,  # 10, and the notes on the live text: passages, quotes, drift, flags
    "compare": 6,  # the two versions, their passages, the message, its versions
    "call-log form": 12,
    "call-log POST": 22,
    "inbox": 10,
    "loop health": 14,
    "attribution": 6,
    "review": 15,  # the workflow, its steps, reviewers and groups, submission, decisions: 7
    "experiment readout": 8,
    "agreement": 10,
    "capacity": 19,  # 4 a team (2 here: teams are few), the backlog, its growth, the month
    # The middleware's own: none. The session, the person and their roles come from one
    # cache read (smarketing.people); the unread count is read only by pages that show
    # the bell.
    "bare": 0,
}

SMALL = Sizes(salespeople=4, teams=2, leads=60, messages=6, versions=15, calls=300,
              attempts=120, opportunities=12, marketers=1)  # fmt: skip
LARGE = Sizes(salespeople=8, teams=2, leads=600, messages=30, versions=90, calls=3000,
              attempts=1200, opportunities=120, marketers=1)  # fmt: skip


def _requests():
    """(page, username, method, path, form) for the seeded company in the database."""
    rep = get_user_model().objects.get(username="scale-rep-1")
    lead = Lead.objects.owned_by(rep).filter(status="accepted").order_by("pk").first()
    top = VersionStats.objects.order_by("-uses", "pk").first().version
    numbers = list(
        MessageVersion.objects.filter(message=top.message_id)
        .exclude(status="draft")
        .order_by("number")
        .values_list("number", flat=True)
    )
    live = MessageVersion.objects.get(message=top.message_id, status="live")
    versions = urlencode({"a": numbers[0], "b": numbers[-1]})
    filters = urlencode({"status": "accepted", "source": "webinar"})
    call = {"lead": lead.pk, "version": live.pk, "channel": "call",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reaction": 4, "outcome": "interested",
            "edited_body": live.body}  # fmt: skip
    m, r, n = "scale-marketer-1", "scale-rep-1", "scale-manager-1"
    experiment, review_pk = _review_and_experiment(top.message_id, m)
    return [
        ("queue", r, "get", "/leads/queue/", None),
        ("lead list, 2 filters", m, "get", f"/leads/all/?{filters}", None),
        ("team", n, "get", "/leads/team/", None),
        ("lead detail", r, "get", f"/leads/{lead.pk}/", None),
        ("library", m, "get", "/messages/", None),
        ("message", m, "get", f"/messages/{top.message_id}/", None),
        ("compare", m, "get", f"/messages/{top.message_id}/compare/?{versions}", None),
        ("call-log form", r, "get", f"/feedback/calls/new/?lead={lead.pk}&version={live.pk}", None),
        ("call-log POST", r, "post", "/feedback/calls/new/", call),
        ("inbox", m, "get", "/feedback/inbox/", None),
        ("loop health", m, "get", "/insight/loop-health/", None),
        ("attribution", m, "get", "/insight/attribution/", None),
        ("review", m, "get", f"/messages/{review_pk}/draft/review/", None),
        ("experiment readout", m, "get", f"/insight/experiments/{experiment.pk}/", None),
        ("agreement", m, "get", "/leads/agreement/", None),
        ("capacity", m, "get", "/leads/capacity/", None),
        ("bare", r, "get", "/bench/bare", None),
    ]  # fmt: skip


def _review_and_experiment(top_message_id, marketer_name):
    """A running experiment on the most used message (so the queue's plays and the
    message page carry it), and a draft of another message in review with comments."""
    from django.contrib.auth.models import Group

    from messaging import services, services_experiments, services_review
    from messaging.models import Experiment, ReviewStep, ReviewWorkflow

    marketer = get_user_model().objects.get(username=marketer_name)
    top = Message.objects.get(pk=top_message_id)
    experiment = Experiment.objects.filter(message=top).first()
    if experiment is None:
        draft = top.versions.filter(status="draft").first() or services.draft_create(
            message=top, user=marketer
        )
        services.draft_save(
            version=draft,
            user=marketer,
            body=draft.body + "\n\nNew close.",
            revision=draft.revision,
        )
        experiment = services_experiments.experiment_start(
            message=top, user=marketer, ends_on=timezone.localdate() + timedelta(days=9),
            baseline_rate=0.4, min_effect=0.1, change_summary="Test", seed=5,
        )  # fmt: skip
    other = Message.objects.exclude(pk=top.pk).filter(live_version__isnull=False).order_by("pk")[0]
    workflow, _ = ReviewWorkflow.objects.get_or_create(kind=other.kind, defaults={"name": "Claims"})
    if not workflow.steps.exists():
        for position, name in ((1, "Product marketing"), (2, "Legal")):
            step = ReviewStep.objects.create(workflow=workflow, position=position, name=name)
            step.reviewer_groups.add(Group.objects.get(name="Marketing"))
    draft = other.versions.filter(status="draft").first() or services.draft_create(
        message=other, user=marketer
    )
    if not hasattr(draft, "review_submission"):
        services_review.review_submit(version=draft, user=marketer)
        for passage in draft.passages.all()[:3]:
            services_review.review_comment_add(
                version=draft, user=marketer, passage_key=passage.key, text="Source?"
            )
    return experiment, other.pk


def _measure(client) -> dict[str, int]:
    counts = {}
    User = get_user_model()
    for page, username, method, path, form in _requests():
        client.force_login(User.objects.get(username=username))
        getattr(client, method)(path, form)  # warm: session, caches
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, form)
        assert response.status_code == (302 if method == "post" else 200), page
        counts[page] = len(captured.captured_queries)
    return counts


def _empty_the_company():
    """Delete everything seed_scale wrote, children before the rows they protect: the
    whole company, so past the triggers that keep published versions (purge_allowed)."""
    from messaging.models import Experiment, ReviewWorkflow

    with purge_allowed():
        for model in (Experiment, ReviewWorkflow, CallLog, Suggestion, LeadAttribution,
                      VersionAttribution, VersionReach, VersionStats, Opportunity, Attempt,
                      Lead, Message, Account, Team, Persona, ObjectionTag):  # fmt: skip
            model.objects.all().delete()
        get_user_model().objects.filter(username__startswith="scale-").delete()


def test_every_key_page_has_a_budget():
    assert {"queue", "lead list, 2 filters", "library", "message", "compare", "inbox",
            "loop health", "attribution", "call-log POST"} <= set(BUDGETS)  # fmt: skip


@pytest.mark.django_db
def test_query_counts_are_the_same_at_two_sizes_and_within_budget(client):
    scale_seed(sizes=SMALL, password="pw")
    small = _measure(client)
    _empty_the_company()
    scale_seed(sizes=LARGE, password="pw")
    assert Lead.objects.count() == LARGE.leads
    large = _measure(client)
    over = {page: n for page, n in large.items() if n > BUDGETS[page]}
    assert over == {}, f"over budget: {over} (budgets {BUDGETS})"
    assert small == large
