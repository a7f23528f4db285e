"""Errors under /api/v1/ are JSON with field-level messages, never an HTML page; bad ids
and bad types are 400 or 404, never 500."""

import pytest

from tests.api.conftest import ApiClient


@pytest.fixture
def api(api_as):
    return api_as("marketer")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nowhere/", "/api/v1/leads/abc/", "/api/v1/leads/-1/", "/api/v1/leads/99999999/",
     "/api/v1/leads/99999999999999999999999/", "/api/v1/versions/0/"],
)  # fmt: skip
def test_a_bad_path_or_id_is_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_method_the_operation_lacks_is_a_json_405(api):
    response = api.call("delete", "/api/v1/leads/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_wrong_types_get_field_level_messages(api):
    response = api.post("/api/v1/leads/", {"email": "not an email", "persona": "x"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"email", "persona"}
    assert body["fields"]["email"] == ["Enter a valid email address."]


def test_a_service_rule_is_a_400_on_its_field(api_as, world):
    # rep_a's lead: a call cannot be logged in the future (the service's rule, as on the page).
    response = api_as("rep_a").post(
        "/api/v1/call-logs/",
        {"lead": world["lead"], "reaction": 4, "outcome": "interested",
         "occurred_at": "2999-01-01T10:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["fields"] == {"occurred_at": ["A call cannot be logged in the future."]}


def test_a_body_that_is_a_list_is_a_400(api):
    response = api.post("/api/v1/leads/", [1, 2])
    assert response.status_code == 400
    assert response.json()["detail"] == "Send a JSON object."


def test_a_bad_cursor_is_a_404_not_a_500(api):
    response = api.get("/api/v1/leads/", {"cursor": "garbage"})
    assert response.status_code == 404


def test_a_bad_filter_value_is_a_400(api):
    response = api.get("/api/v1/leads/", {"status": "sleeping"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_an_unexpected_error_is_a_json_500(client, marketer, monkeypatch):
    from api import views
    from api.tokens import token_create

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "live_versions", broken)
    _token, raw = token_create(user=marketer, name="t")
    client.raise_request_exception = False
    response = ApiClient(client, raw).get("/api/v1/versions/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: it has been logged."}
