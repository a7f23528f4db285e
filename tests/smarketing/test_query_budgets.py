"""Query budgets: every key page runs the same number of SQL queries at two data sizes,
under the ceiling stated here, in one place.

The data comes from seed_scale at two small sizes (the second ten times the first), so
the pages see the same shapes as the benchmark's data: skewed message use, leads with
attempts and deals, suggestions, attribution rollups. The page-level tests in each app
(tests/*/test_views.py, tests/leads/test_selectors.py) check other pages and story
data; this module is the one list the benchmark's pages are held to.
"""

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

# page: ceiling of SQL queries per request (session, user and navigation included).
# Measured on 2026-12-02 (issue 19): queue 6, lead list 6, team 7, lead detail 11,
# library 10, message 9, compare 11, call-log form 10, call-log POST 23, inbox 10,
# loop health 14, attribution 6, bare 1.
BUDGETS = {
    "queue": 12,
    "lead list, 2 filters": 12,
    "team": 14,
    "lead detail": 14,
    "library": 13,
    "message": 14,  # 10, and the notes on the live text: passages, quotes, drift, flags
    "compare": 14,
    "call-log form": 14,
    "call-log POST": 30,
    "inbox": 14,
    "loop health": 17,
    "attribution": 9,
    # The middleware's own: the user with its roles (one query); the session comes from
    # the cache and the unread count is read only by pages that show the bell.
    "bare": 1,
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
        ("bare", r, "get", "/bench/bare", None),
    ]  # fmt: skip


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
    """Delete everything seed_scale wrote, children before the rows they protect."""
    for model in (CallLog, Suggestion, LeadAttribution, VersionAttribution, VersionReach,
                  VersionStats, Opportunity, Attempt, Lead, Message, Account, Team, Persona,
                  ObjectionTag):  # fmt: skip
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
