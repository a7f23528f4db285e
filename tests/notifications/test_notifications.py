"""In-app notifications: an unread count in the navigation, read on open, once per event."""

from django.urls import reverse

from notifications import services
from notifications.models import Notification


def test_the_navigation_shows_the_unread_count(client_for, rep_a):
    services.notification_send(recipient=rep_a, kind="test", text="Your wording shipped")
    services.notification_send(recipient=rep_a, kind="test", text="Another")
    html = client_for(rep_a).get("/").content.decode()
    assert 'aria-label="Notifications, 2 unread"' in html


def test_an_event_notifies_a_person_once(rep_a):
    first = services.notification_send(recipient=rep_a, kind="sla", text="x", dedupe_key="sla:1")
    again = services.notification_send(recipient=rep_a, kind="sla", text="x", dedupe_key="sla:1")
    assert first is not None and again is None
    assert Notification.objects.filter(recipient=rep_a).count() == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(client_for, rep_a):
    note = services.notification_send(recipient=rep_a, kind="t", text="Go", url="/messages/")
    response = client_for(rep_a).post(reverse("notifications:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/messages/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_notification_never_redirects_off_site(client_for, rep_a):
    note = services.notification_send(
        recipient=rep_a, kind="t", text="x", url="https://evil.example/"
    )
    response = client_for(rep_a).post(reverse("notifications:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("notifications:notification_list")


def test_nobody_opens_another_persons_notification(client_for, rep_a, rep_b):
    note = services.notification_send(recipient=rep_a, kind="t", text="private")
    client = client_for(rep_b)
    assert (
        client.post(reverse("notifications:notification_open", args=[note.pk])).status_code == 404
    )
    assert "private" not in client.get(reverse("notifications:notification_list")).content.decode()


def test_mark_all_read(client_for, rep_a):
    for i in range(3):
        services.notification_send(recipient=rep_a, kind="t", text=f"n{i}")
    client = client_for(rep_a)
    client.post(reverse("notifications:notifications_read"))
    assert not Notification.objects.unread().filter(recipient=rep_a).exists()
    assert (
        "No notifications"
        not in client.get(reverse("notifications:notification_list")).content.decode()
    )


def test_an_empty_list_says_so(client_for, rep_a):
    html = client_for(rep_a).get(reverse("notifications:notification_list")).content.decode()
    assert "No notifications" in html


def test_the_list_runs_a_fixed_number_of_queries(client_for, rep_a, django_assert_max_num_queries):
    client = client_for(rep_a)
    for size in (3, 60):
        for i in range(size):
            services.notification_send(recipient=rep_a, kind="t", text=f"n{i}")
        with django_assert_max_num_queries(7):
            assert client.get(reverse("notifications:notification_list")).status_code == 200


def test_the_cached_unread_count_follows_every_send_and_read(client_for, rep_a):
    client = client_for(rep_a)
    assert 'aria-label="Notifications, 0 unread"' in client.get("/").content.decode()
    note = services.notification_send(recipient=rep_a, kind="t", text="One", url="/messages/")
    assert 'aria-label="Notifications, 1 unread"' in client.get("/").content.decode()
    client.post(reverse("notifications:notification_open", args=[note.pk]))
    assert 'aria-label="Notifications, 0 unread"' in client.get("/").content.decode()
    services.notification_send(recipient=rep_a, kind="t", text="Two")
    services.notification_send(recipient=rep_a, kind="t", text="Three")
    assert 'aria-label="Notifications, 2 unread"' in client.get("/").content.decode()
    client.post(reverse("notifications:notifications_read"))
    assert 'aria-label="Notifications, 0 unread"' in client.get("/").content.decode()
