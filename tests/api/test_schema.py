"""The OpenAPI schema is generated from the code and validates (drf-spectacular checks it
against the OpenAPI 3 JSON schema); every operation says what it answers."""

import yaml
from django.core.management import call_command

from tests.api.conftest import ApiClient


def test_the_schema_validates_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiToken"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            assert {"401", "404"} <= set(operation["responses"]), (method, path)


def test_the_schema_is_served_to_a_token_holder(client, marketer):
    from api.tokens import token_create

    _token, raw = token_create(user=marketer, name="docs")
    response = ApiClient(client, raw).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/leads/" in response.json()["paths"]
