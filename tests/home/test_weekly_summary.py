"""Monday morning everyone with a role gets their home page by email, once a week."""

from datetime import date

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from home import services, tasks
from home.models import WeeklySummaryDelivery
from tests.feedback.conftest import SAID
from tests.support.factories import UserFactory

MONDAY = date(2026, 11, 30)


def mail_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


@override_settings(SITE_URL="https://portal.example.com")
def test_a_marketer_gets_their_sections_with_absolute_links(marketer, rep_a, v1, log_call, let_go):
    log_call(rep_a, v1, said=SAID)
    let_go(rep_a, note="Budget moved to the ERP project.")

    services.weekly_summary_send(today=MONDAY)

    [email] = mail_to(marketer)
    assert email.subject == "Smarketing: your week of 30 Nov 2026"
    assert "== Marketing ==" in email.body
    assert "== Sales ==" not in email.body
    assert "New and rising suggestions: 1" in email.body
    assert "Budget moved to the ERP project." in email.body
    assert "https://portal.example.com" + reverse("home") in email.body
    suggestion = v1.suggestions.get()
    detail = reverse("feedback:suggestion_detail", args=[suggestion.pk])
    assert f"https://portal.example.com{detail}" in email.body


def test_each_role_gets_its_own_summary(marketer, rep_a, manager_a, admin):
    services.weekly_summary_send(today=MONDAY)

    assert "== Sales ==" in mail_to(rep_a)[0].body
    assert "== Sales management ==" in mail_to(manager_a)[0].body
    assert "== Administration ==" in mail_to(admin)[0].body
    assert "Nothing is due today." in mail_to(rep_a)[0].body


def test_a_second_run_in_the_same_week_sends_nobody_a_second_copy(marketer, rep_a):
    first = services.weekly_summary_send(today=MONDAY)
    again = services.weekly_summary_send(today=date(2026, 12, 3))  # Thursday, same ISO week

    assert first == 2
    assert again == 0
    assert len(mail.outbox) == 2
    assert WeeklySummaryDelivery.objects.filter(week=MONDAY).count() == 2
    assert services.weekly_summary_send(today=date(2026, 12, 7)) == 2  # the next week


def test_people_without_a_role_or_an_email_get_none(marketer, db):
    UserFactory(username="nobody")
    UserFactory(username="no_mail", email="", role="Marketing")

    assert services.weekly_summary_send(today=MONDAY) == 1
    assert mail_to(marketer)


def test_a_failed_send_is_not_recorded_so_the_next_run_retries(marketer, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        services.weekly_summary_send(today=MONDAY)
    assert not WeeklySummaryDelivery.objects.exists()
    monkeypatch.undo()
    assert services.weekly_summary_send(today=MONDAY) == 1


def test_the_beat_task_sends_this_weeks_summary(marketer, settings):
    assert (
        settings.CELERY_BEAT_SCHEDULE["weekly-summary"]["task"]
        == tasks.weekly_summary_send_task.name
    )
    assert tasks.weekly_summary_send_task.delay().get() == 1
    assert tasks.weekly_summary_send_task.delay().get() == 0
