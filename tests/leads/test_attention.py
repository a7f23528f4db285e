"""A vendor list goes bad: five of its leads are let go within a day, and the marketer
who imported it hears about it once that day."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Lead, LeadList
from leads.services import attention
from notifications.models import Notification
from smarketing import roles
from tests.support.factories import UserFactory


def let_go(rep, lead, reason, sla):
    for _ in range(sla.min_attempts_before_disqualify):
        services.attempt_log(lead=lead, user=rep, channel="call", outcome="no_answer")
    services.lead_disqualify(lead=lead, user=rep, reason=reason, note="Wrong company size.")


def bursts(user):
    return Notification.objects.filter(recipient=user, kind="disqualification_burst")


def test_five_disqualifications_from_one_list_in_a_day_notify_its_importer_once(
    marketer, marketer_2, rep_a, accepted_by, no_budget, sla
):
    vendor = LeadList.objects.create(name="Vendor Q4", source="Vendor", created_by=marketer_2)
    leads = [accepted_by(rep_a, lead_list=vendor) for _ in range(6)]
    for lead in leads[:4]:
        let_go(rep_a, lead, no_budget, sla)
    assert not bursts(marketer_2).exists()

    let_go(rep_a, leads[4], no_budget, sla)
    [notice] = bursts(marketer_2)
    assert (
        notice.text
        == "5 leads from the lead list ‘Vendor Q4’ were disqualified in the last 24 hours"
    )
    assert notice.url.startswith(reverse("insight:disqualifications") + "?")
    assert f"lead_list={vendor.pk}" in notice.url
    assert not bursts(marketer).exists()  # the importer, not every marketer

    let_go(rep_a, leads[5], no_budget, sla)
    assert bursts(marketer_2).count() == 1


def test_disqualifications_spread_over_more_than_a_day_are_no_burst(
    marketer, rep_a, accepted_by, no_budget, sla
):
    vendor = LeadList.objects.create(name="Vendor Q4", source="Vendor", created_by=marketer)
    leads = [accepted_by(rep_a, lead_list=vendor) for _ in range(5)]
    for lead in leads[:4]:
        let_go(rep_a, lead, no_budget, sla)
    Lead.objects.filter(status="disqualified").update(
        disqualified_at=timezone.now() - timedelta(hours=25)
    )

    let_go(rep_a, leads[4], no_budget, sla)

    assert not bursts(marketer).exists()


def test_a_burst_from_a_source_without_a_list_tells_every_marketer(
    marketer, marketer_2, rep_a, accepted_by, no_budget, sla
):
    for _ in range(attention.DISQUALIFICATION_BURST):
        let_go(rep_a, accepted_by(rep_a, source="Webinar"), no_budget, sla)

    assert bursts(marketer).count() == 1
    assert bursts(marketer_2).count() == 1
    assert "the source ‘Webinar’" in bursts(marketer).get().text


def test_a_list_whose_importer_left_tells_marketing(marketer, rep_a, accepted_by, no_budget, sla):
    gone = UserFactory(username="gone", role=roles.MARKETING, is_active=False)
    vendor = LeadList.objects.create(name="Vendor Q4", source="Vendor", created_by=gone)
    for _ in range(attention.DISQUALIFICATION_BURST):
        let_go(rep_a, accepted_by(rep_a, lead_list=vendor), no_budget, sla)

    assert bursts(marketer).count() == 1
    assert not bursts(gone).exists()
