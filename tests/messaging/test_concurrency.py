"""Two marketers publishing the same message at the same moment (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from messaging import services
from messaging.models import MessageVersion
from tests.support.messaging_factories import draft, make_message, publish


@pytest.mark.django_db(transaction=True)
def test_two_marketers_publishing_at_once_leave_exactly_one_live_version(marketer, marketer_2):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (CI's second run)")
    message = make_message(marketer, body="v1 text")
    publish(message, marketer)
    services.draft_create(message=message, user=marketer)
    pending = draft(message)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(user):
        try:
            barrier.wait()
            services.version_publish(version=pending, user=user, change_summary=user.username)
            outcomes.append("published")
        except Exception as exc:  # the loser is told, it does not crash
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (marketer, marketer_2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["ValidationError", "published"]
    assert MessageVersion.objects.filter(message=message, status="live").count() == 1
    message.refresh_from_db()
    assert message.live_version.number == 2
