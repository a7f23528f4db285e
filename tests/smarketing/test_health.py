import time

import pytest
from django.db import connections
from django.urls import reverse

from smarketing.settings import database_config, redis_caches
from tests.support.hung import hung_server


def test_healthz_is_public_json_with_database_and_broker_state(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert "worker" in body


def test_healthz_is_503_when_the_broker_is_unreachable(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    from django.db import OperationalError

    class DownDatabase:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("database is down")

        def close(self):
            pass

    monkeypatch.setattr("smarketing.health._probe_connection", lambda alias: DownDatabase())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


@pytest.mark.django_db
def test_healthz_reports_the_workers_last_heartbeat(client):
    from smarketing.tasks import worker_heartbeat

    worker_heartbeat.delay()
    worker = client.get(reverse("healthz")).json()["worker"]
    assert worker["last_heartbeat"] is not None
    assert worker["seconds_ago"] <= 5


# A server that accepts the connection and then never answers used to hold /healthz for
# a minute (the load balancer's probe gave up first and the portal looked down for good).


def test_healthz_is_503_within_3_seconds_when_the_broker_accepts_and_never_answers(
    client, db, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with hung_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert took < 3, f"/healthz took {took:.1f} s"


def test_healthz_is_503_within_3_seconds_when_the_database_accepts_and_never_answers(
    client, db, monkeypatch, django_db_blocker
):
    with hung_server() as port:
        hung = database_config(f"postgres://postgres@127.0.0.1:{port}/smarketing")
        configured = connections.configure_settings({"default": hung})["default"]
        monkeypatch.setitem(connections.settings, "hung", configured)
        monkeypatch.setattr("smarketing.health.PROBED_ALIAS", "hung")
        started = time.monotonic()
        with django_db_blocker.unblock():  # the test may connect to the "hung" alias
            response = client.get(reverse("healthz"))
        took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["database"] == {
        "ok": False, "vendor": "postgresql", "error": "OperationalError"
    }  # fmt: skip
    assert took < 3, f"/healthz took {took:.1f} s"


def test_a_request_connecting_to_a_hung_database_gives_up_after_the_connect_timeout():
    """Not only the probe: the portal's own connections have a connect timeout."""
    options = database_config("postgres://postgres@127.0.0.1:5432/smarketing")["OPTIONS"]
    assert 0 < options["connect_timeout"] <= 10
    assert options["keepalives"] == 1
