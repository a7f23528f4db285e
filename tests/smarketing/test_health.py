import pytest
from django.urls import reverse


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

    monkeypatch.setattr("smarketing.health.connection", DownDatabase())
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
