"""Ada (admin) opens the portal: is background work healthy, did an import fail?"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from home import selectors
from smarketing.health import record_heartbeat
from smarketing.models import OutboxMessage


def test_the_outbox_backlog_and_its_oldest_age_are_shown(client_for, admin):
    old = OutboxMessage.objects.create(task_name="x.y")
    OutboxMessage.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    OutboxMessage.objects.create(task_name="x.z")
    OutboxMessage.objects.create(task_name="x.sent", sent_at=timezone.now())

    attention = selectors.admin_attention(user=admin)

    assert attention.outbox_backlog == 2
    assert timedelta(minutes=29) < attention.outbox_age < timedelta(minutes=31)
    page = client_for(admin).get(reverse("home")).content.decode()
    assert reverse("admin:smarketing_outboxmessage_changelist") in page


def test_the_last_heartbeat_is_shown_and_a_missing_one_is_flagged(client_for, admin):
    from django.core.cache import cache

    cache.clear()
    assert "never seen" in client_for(admin).get(reverse("home")).content.decode()
    record_heartbeat()
    assert selectors.admin_attention(user=admin).heartbeat["seconds_ago"] is not None


def test_a_failed_import_is_listed_with_a_link_to_it(client_for, admin, failed_import):
    attention = selectors.admin_attention(user=admin)

    assert [lead_list.pk for lead_list in attention.failed_imports] == [failed_import.pk]
    page = client_for(admin).get(reverse("home")).content.decode()
    assert reverse("leads:import_detail", args=[failed_import.pk]) in page
    assert "not valid UTF-8" in page


def test_a_person_with_several_roles_sees_each_section(client_for, marketer, team_a):
    from django.contrib.auth.models import Group

    from leads.models import TeamMembership
    from smarketing import roles

    marketer.groups.add(Group.objects.get(name=roles.SALES))
    TeamMembership.objects.create(team=team_a, user=marketer)
    page = client_for(marketer).get(reverse("home")).content.decode()

    assert 'data-role-home="marketing"' in page
    assert 'data-role-home="sales"' in page
    assert 'data-role-home="admin"' not in page


def test_the_admins_home_is_a_fixed_number_of_queries(home_queries, admin, marketer):
    from leads.models import LeadList

    def add(start, n):
        for index in range(start, start + n):
            OutboxMessage.objects.create(task_name=f"t{index}")
            LeadList.objects.create(
                name=f"L{index}", source="x", status="failed", created_by=marketer
            )

    add(0, 1)
    few = home_queries(admin)
    add(1, 10)
    assert home_queries(admin) == few <= 10
