"""Each list page runs a fixed number of queries whatever the number of rows."""

import pytest
from django.urls import reverse

from leads import selectors, services
from leads.models import Lead
from tests.support.factories import LeadFactory


def grow(rep, accepted_by, handed_to, play, n):
    for i in range(n):
        lead = accepted_by(rep, play=play) if i % 2 else handed_to(rep, play=play)
        if i % 3 == 0 and lead.status == "accepted":
            services.attempt_log(lead=lead, user=rep, channel="call", outcome="no_answer")


@pytest.mark.parametrize("size", [2, 20])
def test_the_queue_costs_the_same_at_two_sizes(
    client_for, rep_a, accepted_by, handed_to, play, size, django_assert_max_num_queries
):
    grow(rep_a, accepted_by, handed_to, play, size)
    client = client_for(rep_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("leads:queue"))
    assert response.content.decode().count('<article class="queue-item') == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_lead_list_costs_the_same_at_two_sizes(
    client_for, marketer, rep_a, handed_to, size, django_assert_max_num_queries
):
    for i in range(size):
        handed_to(rep_a) if i % 2 else LeadFactory()
    client = client_for(marketer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("leads:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 20])
def test_the_team_view_costs_the_same_at_two_sizes(
    client_for, manager_a, rep_a, accepted_by, handed_to, play, size, django_assert_max_num_queries
):
    grow(rep_a, accepted_by, handed_to, play, size)
    services.sla_breaches_scan()
    client = client_for(manager_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("leads:team"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 10])
def test_the_lead_detail_costs_the_same_with_more_attempts(
    client_for, rep_a, accepted_by, play, size, django_assert_max_num_queries
):
    lead = accepted_by(rep_a, play=play)
    for _ in range(size):
        services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    client = client_for(rep_a)
    with django_assert_max_num_queries(14):
        client.get(reverse("leads:detail", args=[lead.pk]))


def test_for_user_chains_with_overdue(rep_a, rep_b, handed_to):
    from datetime import timedelta

    from django.utils import timezone

    mine, theirs = handed_to(rep_a), handed_to(rep_b)
    Lead.objects.update(first_touch_due_at=timezone.now() - timedelta(minutes=5))
    assert list(Lead.objects.for_user(rep_a).overdue()) == [mine]
    assert theirs in Lead.objects.overdue()


def test_a_team_offer_is_visible_to_the_team_and_its_manager_only(
    marketer, team_a, rep_a, rep_b, manager_a, manager_b
):
    lead = LeadFactory()
    services.lead_handoff(leads=[lead], user=marketer, team=team_a)
    assert list(selectors.team_offers(user=rep_a)) == list(lead.handoffs.all())
    assert not selectors.team_offers(user=rep_b).exists()
    assert Lead.objects.for_user(manager_a).filter(pk=lead.pk).exists()
    assert not Lead.objects.for_user(manager_b).filter(pk=lead.pk).exists()
    assert Lead.objects.for_user(rep_a).filter(pk=lead.pk).exists()


def test_the_import_preview_flags_what_will_be_rejected(marketer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    LeadFactory(email="old@x.example")
    content = b"Email,Name\nnew@x.example,A\nold@x.example,B\nnew@x.example,C\nbad,D\n"
    lead_list = services.lead_import_create(
        user=marketer, uploaded_file=SimpleUploadedFile("l.csv", content)
    )
    outcomes = [item["outcome"] for item in selectors.import_preview(lead_list=lead_list)]
    assert outcomes == [
        "",
        "Duplicate: a lead with this email exists",
        "Duplicate of line 2",
        "“bad” is not a valid email address.",
    ]


def _team_breaches_joined_then_limited(teams, limit=15):
    """The team page's breach list as it was read before the breaches were chosen in a
    subquery: the same rows in the same order is what the change must keep."""
    from django.db.models import F

    from leads.models import SlaBreach

    return list(
        SlaBreach.objects.filter(team__in=teams)
        .exclude(resolved_at__lte=F("due_at"))
        .select_related("lead", "salesperson")
        .order_by(F("resolved_at").desc(nulls_first=True), "-due_at")[:limit]
    )


def test_the_team_breaches_are_the_latest_fifteen_with_their_leads_in_one_query(
    team_a, team_b, rep_a, rep_b, django_assert_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    from leads.models import SlaBreach

    now = timezone.now()
    for i in range(24):
        due = now - timedelta(hours=2 * i + 1)
        # Open, touched late, and touched by the deadline (a false alarm, never listed).
        resolved = (None, due + timedelta(hours=1 + i), due - timedelta(minutes=5))[i % 3]
        SlaBreach.objects.create(
            lead=LeadFactory(owner=rep_a), salesperson=rep_a if i % 4 else None,
            team=team_a, due_at=due, resolved_at=resolved,
        )  # fmt: skip
    SlaBreach.objects.create(lead=LeadFactory(owner=rep_b), salesperson=rep_b, team=team_b,
                             due_at=now)  # fmt: skip
    expected = _team_breaches_joined_then_limited([team_a])
    assert len(expected) == 15
    with django_assert_num_queries(1):
        listed = list(selectors.team_breaches(teams=[team_a]))
        shown = [(str(b.lead), b.salesperson and b.salesperson.username) for b in listed]
    assert [b.pk for b in listed] == [b.pk for b in expected]
    assert shown == [(str(b.lead), b.salesperson and b.salesperson.username) for b in expected]
    assert all(b.resolved_at is None or b.resolved_at > b.due_at for b in listed)
