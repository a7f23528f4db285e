"""A message form sent twice (a double click, a retry) creates one message."""

from django.urls import reverse

from messaging.models import Message
from smarketing.idempotency import new_key


def test_a_message_posted_twice_is_created_once(client_for, marketer):
    client = client_for(marketer)
    data = {"title": "ROI email", "kind": "email_template", "stage": "consideration", "body": "Hi",
            "idempotency_key": new_key()}  # fmt: skip
    first = client.post(reverse("messaging:message_create"), data)
    second = client.post(reverse("messaging:message_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Message.objects.filter(title="ROI email").count() == 1
