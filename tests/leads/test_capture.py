"""Figures that cannot be gamed, and the people involved are told (issue 13).

A double submit counts once; a touch cannot be dated before the lead reached its
salesperson or in the future; a late-logged touch says so; a salesperson who loses a
lead hears why; handoff notices name the leads; times are in each person's zone.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Attempt, Lead
from leads.services import intake
from notifications.models import Notification
from smarketing.idempotency import new_key
from smarketing.preferences import preferences_save
from tests.support.factories import AccountFactory, LeadFactory, handoff_backdate, make_salesperson


def attempt_post(client, lead, key, **extra):
    data = {"channel": "call", "outcome": "connected", "idempotency_key": key, **extra}
    return client.post(reverse("leads:attempt_log", args=[lead.pk]), data)


# --- a double submit counts once ----------------------------------------------------


def test_an_attempt_posted_twice_is_logged_once_and_both_posts_succeed(
    client_for, rep_a, accepted_by
):
    lead = accepted_by(rep_a)
    client = client_for(rep_a)
    key = new_key()
    first = attempt_post(client, lead, key)
    second = attempt_post(client, lead, key)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    lead.refresh_from_db()
    assert Attempt.objects.filter(lead=lead).count() == 1
    assert lead.attempt_count == 1


def test_each_one_click_attempt_button_set_carries_its_own_token(client_for, rep_a, accepted_by):
    accepted_by(rep_a)
    accepted_by(rep_a)
    text = client_for(rep_a).get(reverse("leads:queue")).content.decode()
    tokens = re.findall(r'name="idempotency_key" value="([^"]+)"', text)
    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_a_call_logs_inner_attempt_needs_no_key_of_its_own(rep_a, accepted_by):
    lead = accepted_by(rep_a)
    services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="connected")
    services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="connected")
    assert Attempt.objects.filter(lead=lead).count() == 2  # no key: each post is its own


def test_a_lead_posted_twice_is_created_once_and_both_posts_go_to_it(client_for, marketer):
    client = client_for(marketer)
    data = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example",
            "company": "Acme", "idempotency_key": new_key()}  # fmt: skip
    first = client.post(reverse("leads:create"), data)
    second = client.post(reverse("leads:create"), data)
    lead = Lead.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("leads:detail", args=[lead.pk])


def test_a_second_lead_with_a_taken_email_is_told_so_on_the_email_field(client_for, marketer):
    LeadFactory(email="ann@acme.example")
    response = client_for(marketer).post(
        reverse("leads:create"), {"email": "Ann@Acme.example", "idempotency_key": new_key()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["A lead with this email already exists."]


def test_two_add_lead_posts_racing_with_one_email_give_a_field_error_not_a_500(
    client_for, marketer, monkeypatch
):
    # The race: the other post inserts the same email between this post's check and
    # its insert. The unique index refuses the second insert.
    def checked_then_raced(email):
        LeadFactory(email=email)
        return False

    monkeypatch.setattr(intake, "_email_taken", checked_then_raced)
    with pytest.raises(ValidationError) as refused:
        services.lead_create(user=marketer, email="bo@initech.example")
    assert refused.value.message_dict == {"email": ["A lead with this email already exists."]}
    response = client_for(marketer).post(
        reverse("leads:create"), {"email": "cy@initech.example", "first_name": "Cy"}
    )
    assert response.status_code == 200
    assert "A lead with this email already exists." in response.content.decode()
    assert 'value="Cy"' in response.content.decode()  # what was typed is kept


# --- times that cannot be gamed -----------------------------------------------------


def test_a_call_dated_before_the_handoff_is_refused_with_when_it_was_handed_over(
    rep_a, accepted_by
):
    lead = accepted_by(rep_a)
    handed = timezone.localtime(lead.handoffs.get().handed_off_at)
    with pytest.raises(ValidationError) as refused:
        services.attempt_log(
            lead=lead, user=rep_a, channel="call", outcome="connected",
            occurred_at=handed - timedelta(days=10),
        )  # fmt: skip
    assert refused.value.message_dict["occurred_at"] == [
        "A call cannot be dated before the lead was handed to you "
        f"({handed.day} {handed:%b %H:%M})."
    ]
    lead.refresh_from_db()
    assert lead.first_touch_at is None and lead.attempt_count == 0  # the SLA is not "met"


def test_a_call_dated_in_the_future_is_refused(rep_a, accepted_by):
    lead = accepted_by(rep_a)
    with pytest.raises(ValidationError) as refused:
        services.attempt_log(
            lead=lead, user=rep_a, channel="call", outcome="connected",
            occurred_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
    assert refused.value.message_dict["occurred_at"] == ["A call cannot be dated in the future."]


def test_after_a_reassignment_the_new_owner_cannot_date_before_they_got_the_lead(
    rep_a, manager_a, team_a, accepted_by
):
    lead = accepted_by(rep_a)
    handoff_backdate(lead, timezone.now() - timedelta(days=3))
    rep_c = make_salesperson("rep_c", team_a)
    services.lead_reassign(lead=lead, user=manager_a, to_user=rep_c, note="Ravi is on leave")
    with pytest.raises(ValidationError, match="before the lead was handed to you"):
        services.attempt_log(
            lead=lead, user=rep_c, channel="call", outcome="connected",
            occurred_at=timezone.now() - timedelta(days=1),
        )  # fmt: skip


def test_the_refusal_is_shown_on_the_attempt_form(client_for, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    response = attempt_post(
        client_for(rep_a), lead, new_key(), occurred_at="2020-01-05T10:00", next=""
    )
    assert response.status_code == 302
    page = client_for(rep_a).get(response["Location"]).content.decode()
    assert "A call cannot be dated before the lead was handed to you" in page
    assert not Attempt.objects.exists()


def test_a_call_logged_later_within_the_window_is_kept_and_shown_as_logged_later(
    client_for, rep_a, accepted_by
):
    lead = accepted_by(rep_a)
    handoff_backdate(lead, timezone.now() - timedelta(days=1))
    happened = timezone.now() - timedelta(hours=3)
    attempt = services.attempt_log(
        lead=lead, user=rep_a, channel="call", outcome="connected", occurred_at=happened
    )
    on_time = services.attempt_log(lead=lead, user=rep_a, channel="email", outcome="replied")
    assert attempt.is_backdated and not on_time.is_backdated
    lead.refresh_from_db()
    assert lead.first_touch_at == happened
    page = client_for(rep_a).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert page.count("logged later") == 1
    logged = timezone.localtime(attempt.created_at)
    assert f"logged later: {logged:%a} {logged.day} {logged:%b, %H:%M}" in page


# --- the play shows which attempt did each step -------------------------------------


def test_the_play_panel_shows_which_steps_are_done_and_which_is_next(
    client_for, rep_a, accepted_by, play
):
    lead = accepted_by(rep_a, play=play)  # day 0 call, day 2 email, day 5 call
    services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    services.attempt_log(lead=lead, user=rep_a, channel="email", outcome="replied")
    page = client_for(rep_a).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    steps = re.findall(r'<li class="(done|next|)">', page)
    assert steps == ["next", "done", ""]  # the unanswered call did not do the day-0 step
    assert "✓ done: replied" in page


# --- the people involved are told ---------------------------------------------------


def test_the_salesperson_who_loses_a_lead_is_told_the_managers_reason(
    client_for, rep_a, manager_a, team_a, accepted_by
):
    lead = accepted_by(rep_a)
    rep_c = make_salesperson("rep_c", team_a)
    client = client_for(manager_a)
    url = reverse("leads:reassign", args=[lead.pk])
    client.post(url, {"to_user": rep_c.pk})  # no reason: refused
    lead.refresh_from_db()
    assert lead.owner == rep_a
    client.post(url, {"to_user": rep_c.pk, "note": "Ravi covers Acme from now on"})
    lead.refresh_from_db()
    assert lead.owner == rep_c
    told = Notification.objects.get(recipient=rep_a, kind="lead_reassigned_away")
    assert told.text == (
        f"{manager_a.get_full_name()} gave your lead {lead} to {rep_c.get_full_name()}: "
        "Ravi covers Acme from now on"
    )
    assert "Ravi covers Acme" in Notification.objects.get(recipient=rep_c).text


def test_a_handoff_notice_names_the_leads(marketer, rep_a):
    leads = [
        LeadFactory(first_name="Ann", last_name="Lee", account=AccountFactory(name="Acme")),
        LeadFactory(first_name="Bo", last_name="Chen", account=AccountFactory(name="Initech")),
        LeadFactory(first_name="Cy", last_name="Dee", account=None),
    ]
    services.lead_handoff(leads=leads, user=marketer, to_user=rep_a)
    text = Notification.objects.get(recipient=rep_a, kind="lead_handoff").text
    assert text == (
        f"{marketer.get_full_name()} handed you 3 leads: Ann Lee (Acme), Bo Chen (Initech) "
        "and Cy Dee."
    )
    more = [LeadFactory(first_name=f"L{n}", last_name="X", account=None) for n in range(4)]
    services.lead_handoff(leads=more, user=marketer, to_user=rep_a)
    latest = Notification.objects.filter(recipient=rep_a).order_by("-pk").first()
    assert latest.text.endswith("handed you 4 leads: L0 X, L1 X and 2 more.")


def test_flashes_name_people_by_their_full_name(client_for, marketer, rep_a):
    lead = LeadFactory()
    response = client_for(marketer).post(
        reverse("leads:handoff"), {"lead": [lead.pk], "assign": "person", "salesperson": rep_a.pk},
        follow=True,
    )  # fmt: skip
    assert f"handed off to {rep_a.get_full_name()}." in response.content.decode()


# --- times in the person's zone -----------------------------------------------------


def test_a_salesperson_in_tokyo_sees_a_calls_time_in_tokyo_time(client_for, rep_a, accepted_by):
    preferences_save(user=rep_a, time_zone="Asia/Tokyo")
    lead = accepted_by(rep_a)
    attempt = services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="connected")
    tokyo = attempt.occurred_at.astimezone(ZoneInfo("Asia/Tokyo"))
    page = client_for(rep_a).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert f"{tokyo:%a} {tokyo.day} {tokyo:%b, %H:%M}" in page


def test_a_time_typed_in_a_form_is_read_in_the_persons_zone(client_for, rep_a, accepted_by):
    preferences_save(user=rep_a, time_zone="Asia/Tokyo")
    lead = accepted_by(rep_a)
    handoff_backdate(lead, timezone.now() - timedelta(days=2))
    typed = (timezone.now() - timedelta(hours=2)).astimezone(ZoneInfo("Asia/Tokyo"))
    attempt_post(client_for(rep_a), lead, new_key(), occurred_at=typed.strftime("%Y-%m-%dT%H:%M"))
    assert Attempt.objects.get().occurred_at == typed.replace(second=0, microsecond=0)


def test_an_sla_email_links_absolutely_and_says_the_time_in_the_readers_zone(
    rep_a, manager_a, handed_to, settings
):
    settings.SITE_URL = "https://smarketing.example"
    preferences_save(user=rep_a, time_zone="Asia/Tokyo")
    preferences_save(user=manager_a, time_zone="America/New_York")
    lead = handed_to(rep_a)
    due = timezone.now() - timedelta(hours=1)
    Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=due)
    services.sla_breaches_scan()
    sent = {message.to[0]: message.body for message in mail.outbox}
    link = f"https://smarketing.example{reverse('leads:detail', args=[lead.pk])}"
    for person, zone in ((rep_a, "Asia/Tokyo"), (manager_a, "America/New_York")):
        local = due.astimezone(ZoneInfo(zone))
        assert f"Open the lead: {link}" in sent[person.email]
        assert f"{local.day} {local:%b %Y, %H:%M %Z}" in sent[person.email]


def test_the_refusal_is_shown_on_the_lead_pages_attempt_form_after_an_htmx_post(
    client_for, rep_a, accepted_by
):
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("leads:attempt_log", args=[lead.pk]),
        {"channel": "call", "outcome": "connected", "occurred_at": "2020-01-05T10:00",
         "view": "detail"},
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lead-work",
    )  # fmt: skip
    assert response.status_code == 422
    assert "A call cannot be dated before the lead was handed to you" in response.content.decode()
