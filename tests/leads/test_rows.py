"""The precomputed pieces of the list pages show what the templates used to compute."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from leads import selectors, services
from leads.models import Lead
from tests.support.factories import AccountFactory, LeadFactory, PlayFactory


def test_url_maker_formats_ids_into_what_reverse_gives():
    detail = selectors.url_maker("leads:detail")
    version = selectors.url_maker("messaging:version_detail", arity=2)
    assert detail(42) == reverse("leads:detail", args=[42])
    assert version(7, 3) == reverse("messaging:version_detail", args=[7, 3])


def test_the_status_tag_renders_what_the_old_include_rendered(db):
    old = engines["django"].from_string(
        '<span class="badge status-{{ lead.status }}">{{ lead.get_status_display }}</span>'
        "{% if lead.is_late or lead.is_overdue %} "
        '<span class="badge overdue" title="First touch was due {{ lead.first_touch_due_at }}">'
        "overdue</span>{% endif %}"
    )
    new = engines["django"].from_string("{% load leads %}{% lead_status lead %}")
    late = timezone.now() - timedelta(hours=3)
    leads = [
        LeadFactory(status=Lead.Status.ACCEPTED, first_touch_due_at=late),
        LeadFactory(status=Lead.Status.ACCEPTED, first_touch_due_at=late + timedelta(days=1)),
        LeadFactory(status=Lead.Status.DISQUALIFIED),
    ]
    leads[1].is_late = True  # set by the row selectors; the badge follows it
    for lead in leads:
        assert new.render({"lead": lead}) == old.render({"lead": lead})
    assert "overdue" in new.render({"lead": leads[0]})


def test_team_offer_rows_show_the_lead_company_play_and_marketer(marketer, team_a, rep_a):
    named = LeadFactory(first_name="Ada", last_name="Lovelace", account=AccountFactory(name="Acme"))
    unnamed = LeadFactory(first_name="", last_name="", email="x@example.com", account=None)
    play = PlayFactory(name="CFO outreach")
    services.lead_handoff(leads=[named], user=marketer, team=team_a, play=play)
    services.lead_handoff(leads=[unnamed], user=marketer, team=team_a)
    get_user_model().objects.filter(pk=marketer.pk).update(first_name="", last_name="")
    first, second = selectors.team_offer_rows(user=rep_a)
    assert (first.lead, first.account, first.play, first.from_name) == (
        "Ada Lovelace",
        "Acme",
        "CFO outreach",
        "marketer",
    )
    assert (second.lead, second.account, second.play) == ("x@example.com", "", None)
    assert first.accept_url == reverse("leads:handoff_accept", args=[first.pk])


def test_later_pages_of_the_lead_list_show_the_same_leads_in_the_same_order(client_for, marketer):
    LeadFactory.create_batch(30)
    expected = [lead.pk for lead in Lead.objects.order_by("-created_at", "-pk")]
    for page, rows in ((1, expected[:25]), (2, expected[25:])):
        response = client_for(marketer).get(reverse("leads:list"), {"page": page})
        shown = [lead.pk for lead in response.context["page_obj"].object_list]
        assert shown == rows


def test_queue_pages_read_in_a_subquery_hold_the_plain_pages_rows_in_order(rep_a, accepted_by):
    from django.core.paginator import Paginator

    from smarketing.web import IdsInSubqueryPaginator

    now = timezone.now()
    for i in range(31):
        lead = accepted_by(rep_a, account=AccountFactory() if i % 2 else None)
        # Overdue, due later, and touched (sorted by the next step): the urgency order.
        Lead.objects.filter(pk=lead.pk).update(
            first_touch_due_at=now + timedelta(hours=(i % 7) - 3),
            first_touch_at=now if i % 5 == 0 else None,
            next_step_due_at=now + timedelta(days=i % 4),
        )
    _, queryset = selectors.lead_queue(user=rep_a, filters={})
    for number in (1, 2):
        plain = Paginator(queryset, 25, orphans=3).page(number)
        read = IdsInSubqueryPaginator(queryset, 25, orphans=3).page(number)
        assert [lead.pk for lead in read] == [lead.pk for lead in plain]
        assert [lead.account_id for lead in read] == [lead.account_id for lead in plain]
    assert len(IdsInSubqueryPaginator(queryset, 25).page(2)) == 6


def test_the_queue_lists_the_oldest_team_offers_and_links_to_them_all(
    client_for, marketer, team_a, rep_a, monkeypatch
):
    from leads.models import Handoff

    leads = LeadFactory.create_batch(4)
    for lead in leads:
        services.lead_handoff(leads=[lead], user=marketer, team=team_a)
    # The first lead's offer is the newest: the oldest are listed first.
    Handoff.objects.filter(lead=leads[0]).update(handed_off_at=timezone.now() + timedelta(1))
    shown = selectors.team_offers_shown(user=rep_a, limit=3)
    assert shown.total == 4
    assert [row.lead for row in shown.rows] == [str(lead) for lead in leads[1:]]
    assert selectors.team_offers_shown(user=rep_a, limit=None).total == 4

    queue = reverse("leads:queue")
    html = client_for(rep_a).get(queue).content.decode()
    assert html.count('class="offer"') == 4 and 'id="more-offers"' not in html
    monkeypatch.setattr(selectors, "OFFERS_SHOWN", 3)
    html = client_for(rep_a).get(queue).content.decode()
    assert html.count('class="offer"') == 3
    assert "The 3 oldest of 4 offers." in html and 'href="?offers=all"' in html
    every = client_for(rep_a).get(queue, {"offers": "all"}).content.decode()
    assert every.count('class="offer"') == 4 and 'id="more-offers"' not in every
    # Asking for every offer is not a filter: an empty queue says so as before.
    assert "Your queue is empty" in every
