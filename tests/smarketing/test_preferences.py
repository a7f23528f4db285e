"""A person's own preferences: the time zone pages, notifications and emails use."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smarketing.models import UserPreferences
from smarketing.preferences import in_zone_of, time_zone_of
from smarketing.web import absolute_url


def test_everyone_has_preferences_linked_from_the_navigation(client_for, rep_a):
    page = client_for(rep_a).get(reverse("home")).content.decode()
    assert f'href="{reverse("preferences")}"' in page


def test_a_person_without_a_choice_sees_the_companys_zone(client_for, rep_a, settings):
    response = client_for(rep_a).get(reverse("preferences"))
    assert response.context["form"]["time_zone"].value() == settings.TIME_ZONE
    assert time_zone_of(rep_a) == settings.TIME_ZONE


def test_choosing_tokyo_shows_the_pages_in_tokyo_time(client_for, rep_a):
    client = client_for(rep_a)
    response = client.post(reverse("preferences"), {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert UserPreferences.objects.get(user=rep_a).time_zone == "Asia/Tokyo"
    page = client.get(reverse("preferences"))
    assert "Times are now shown in Asia/Tokyo" in page.content.decode()
    tokyo = timezone.now().astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo.day} {tokyo:%b %Y, %H}:" in page.content.decode()


def test_the_zone_is_remembered_at_login(client, rep_a):
    UserPreferences.objects.create(user=rep_a, time_zone="Europe/Berlin")
    client.force_login(rep_a)
    assert client.session["time_zone"] == "Europe/Berlin"


def test_an_unknown_zone_is_refused_and_nothing_is_saved(client_for, rep_a):
    response = client_for(rep_a).post(reverse("preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not UserPreferences.objects.exists()


def test_saving_preferences_needs_the_csrf_token(rep_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep_a)
    response = client.post(reverse("preferences"), {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert not UserPreferences.objects.exists()


def test_what_is_sent_to_a_person_is_rendered_in_their_zone(rep_a, rep_b):
    UserPreferences.objects.create(user=rep_a, time_zone="Asia/Tokyo")
    moment = datetime(2026, 12, 1, 5, 0, tzinfo=ZoneInfo("UTC"))
    with in_zone_of(rep_a):
        assert timezone.localtime(moment).hour == 14
    with in_zone_of(rep_b):
        assert timezone.localtime(moment).hour == 5


def test_links_in_emails_are_absolute(settings):
    settings.SITE_URL = "https://smarketing.example/"
    assert absolute_url("/leads/12/") == "https://smarketing.example/leads/12/"
