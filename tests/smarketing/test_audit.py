"""The audit trail: who did what, when, before and after; readable by admins, never editable."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from feedback import services as feedback_services
from feedback.models import Suggestion
from leads import services as lead_services
from leads.models import DisqualificationReason
from messaging import services as messaging_services
from smarketing.models import AuditEntry
from tests.feedback.conftest import SAID
from tests.support.factories import UserFactory, make_salesperson
from tests.support.messaging_factories import make_message, publish


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_publishing_and_retiring_are_recorded_with_before_and_after(marketer):
    message = make_message(marketer, body="One")
    publish(message, marketer, summary="First")
    v2 = publish(message, marketer, body="Two", summary="Second")
    messaging_services.version_retire(version=v2, user=marketer)
    published = entries("version.publish")
    assert [(e.before, e.after["live"]) for e in published] == [
        ({"live": None}, "v1"),
        ({"live": "v1"}, "v2"),
    ]
    assert published[1].actor == marketer and published[1].actor_label == "marketer"
    [retired] = entries("version.retire")
    assert retired.target_id == str(v2.pk) and retired.after == {"status": "retired"}


def test_accepting_and_rejecting_suggestions_are_recorded(marketer, rep_a, rep_b, v1, log_call):
    log_call(rep_a, v1, said=SAID)
    log_call(rep_b, v1, said=v1.body.replace("Book a 20-minute walkthrough.", "Call us."))
    first, second = Suggestion.objects.order_by("pk")
    feedback_services.suggestion_accept(suggestion=first, user=marketer)
    feedback_services.suggestion_reject(suggestion=second, user=marketer, reason="Too pushy")
    [accepted] = entries("suggestion.accept")
    [rejected] = entries("suggestion.reject")
    assert accepted.after["into"] == "v2"
    assert rejected.after == {"status": "rejected", "reason": "Too pushy"}


def test_hand_off_reassign_disqualify_and_import_are_recorded(
    marketer,
    manager_a,
    team_a,
    rep_a,
    handed_to,
    tmp_path,
):
    rep_c = make_salesperson("rep_c", team_a)
    lead = handed_to(rep_a)
    [handoff] = entries("lead.handoff")
    assert handoff.target_id == str(lead.pk) and handoff.after["to"] == "rep_a"

    lead_services.lead_reassign(lead=lead, user=manager_a, to_user=rep_c, note="Rep A is out")
    [reassign] = entries("lead.reassign")
    assert reassign.before == {"owner": "rep_a"}
    assert reassign.after == {"owner": "rep_c", "note": "Rep A is out"}

    lead_services.handoff_accept(handoff=lead.handoffs.get(status="pending"), user=rep_c)
    for _ in range(3):
        lead_services.attempt_log(lead=lead, user=rep_c, channel="call", outcome="no_answer")
    reason = DisqualificationReason.objects.get(name="No budget")
    lead_services.lead_disqualify(lead=lead, user=rep_c, reason=reason, note="Budget frozen")
    [disqualified] = entries("lead.disqualify")
    assert disqualified.after["reason"] == "No budget"
    assert disqualified.actor == rep_c

    path = tmp_path / "list.csv"
    path.write_text("Email,First Name\nnew@example.com,Ann\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("list.csv", path.read_bytes(), content_type="text/csv")
    lead_list = lead_services.lead_import_create(
        user=marketer, uploaded_file=upload, source="Vendor"
    )
    lead_services.lead_import_start(lead_list=lead_list, user=marketer)
    [imported] = entries("leads.import")
    assert imported.after == {"file": "list.csv", "source": "Vendor"}


def test_role_changes_are_recorded_with_who_made_them(client_for, admin):
    user = UserFactory(username="newbie")
    client = client_for(admin)
    sales = Group.objects.get(name="Sales")
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "newbie", "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "is_staff": "on", "groups": [sales.pk],
            "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
            "team_membership-TOTAL_FORMS": "0", "team_membership-INITIAL_FORMS": "0",
            "team_membership-MIN_NUM_FORMS": "0", "team_membership-MAX_NUM_FORMS": "1",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    changes = entries("user.roles")
    assert {"roles": ["Sales"]} in [e.after for e in changes]
    flags = [e for e in changes if e.before and "is_staff" in e.before]
    assert [(e.before["is_staff"], e.after["is_staff"]) for e in flags] == [(False, True)]
    assert all(e.actor == admin for e in changes if e.target_id == str(user.pk) and e.actor_label)


def test_entries_cannot_be_changed(marketer):
    publish(make_message(marketer, body="One"), marketer)
    entry = AuditEntry.objects.get(action="version.publish")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing happened")
    entry.refresh_from_db()
    assert entry.action == "version.publish"


def test_entries_cannot_be_deleted(marketer):
    publish(make_message(marketer, body="One"), marketer)
    count = AuditEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM smarketing_auditentry")
    assert AuditEntry.objects.count() == count


def test_the_audit_table_cannot_be_truncated_on_postgresql(marketer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused above)")
    publish(make_message(marketer, body="One"), marketer)
    count = AuditEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE smarketing_auditentry")
    assert AuditEntry.objects.count() == count


def test_emptying_the_whole_database_is_the_one_way_past_the_triggers(marketer):
    from smarketing.immutability import purge_allowed

    publish(make_message(marketer, body="One"), marketer)
    with purge_allowed(), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert not AuditEntry.objects.exists()


def test_role_changes_made_from_the_group_side_are_recorded(admin):
    user = UserFactory(username="newbie")
    other = UserFactory(username="other")
    sales = Group.objects.get(name="Sales")
    sales.user_set.add(user, other)
    added = [e for e in entries("user.roles") if e.after == {"roles": ["Sales"]}]
    assert {e.target_id for e in added} == {str(user.pk), str(other.pk)}
    assert all(e.before == {"roles": []} for e in added)
    sales.user_set.remove(user)
    sales.user_set.clear()
    removed = [e for e in entries("user.roles") if e.after == {"roles": []}]
    assert sorted(e.target_id for e in removed) == sorted([str(user.pk), str(other.pk)])


def test_closing_an_opportunity_accepting_a_handoff_and_recycling_a_lead_are_recorded(
    marketer, rep_a, handed_to
):
    from decimal import Decimal

    lead = handed_to(rep_a)
    lead_services.handoff_accept(handoff=lead.handoffs.get(), user=rep_a)
    [accepted] = entries("handoff.accept")
    assert accepted.actor == rep_a and accepted.after["owner"] == "rep_a"
    assert accepted.after["lead"] == lead.pk
    opportunity = lead_services.opportunity_create(
        lead=lead, user=rep_a, amount=Decimal("1000"), name="Deal"
    )
    lead_services.opportunity_close(
        opportunity=opportunity, user=rep_a, won=False, amount=Decimal("900")
    )
    [closed] = entries("opportunity.close")
    assert closed.target_id == str(opportunity.pk) and closed.after["stage"] == "lost"
    assert closed.after["amount"] == "900"
    lead.refresh_from_db()
    lead_services.lead_recycle(lead=lead, user=marketer)
    [recycled] = entries("lead.recycle")
    assert recycled.before == {"status": "lost", "owner": "rep_a"}
    assert recycled.after == {"status": "recycled", "owner": None}


def test_admins_read_the_trail_and_nobody_edits_it(client_for, admin, marketer):
    publish(make_message(marketer, body="One"), marketer)
    entry = AuditEntry.objects.get(action="version.publish")
    client = client_for(admin)
    listing = client.get(reverse("admin:smarketing_auditentry_changelist"))
    assert listing.status_code == 200 and "version.publish" in listing.content.decode()
    detail = client.get(reverse("admin:smarketing_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'name="action"' not in detail.content.decode()
    assert (
        client.post(reverse("admin:smarketing_auditentry_delete", args=[entry.pk])).status_code
        == 403
    )
    assert (
        client_for(marketer).get(reverse("admin:smarketing_auditentry_changelist")).status_code
        == 302
    )


def test_a_rolled_back_change_leaves_no_entry(marketer):
    message = make_message(marketer, body="One")
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(message, marketer)
        raise RuntimeError("something failed after publishing")
    assert not AuditEntry.objects.filter(action="version.publish").exists()
