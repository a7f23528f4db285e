"""The library's filter, as a salesperson sees it."""

from django.urls import reverse


def test_any_status_appears_once_in_the_salespersons_library_filter(client_for, rep_a):
    body = client_for(rep_a).get(reverse("messaging:message_library")).content.decode()
    assert body.count(">Any status<") == 1


def test_any_status_appears_once_in_the_marketers_library_filter(client_for, marketer):
    body = client_for(marketer).get(reverse("messaging:message_library")).content.decode()
    assert body.count(">Any status<") == 1
