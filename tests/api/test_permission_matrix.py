"""Every API operation x every persona (and an anonymous caller) has an expected outcome.

The operations come from the generated schema: an operation added without an entry in
EXPECTED fails `test_every_operation_has_an_expected_outcome`. Objects are team A's (the
world fixture), so the matrix checks object rules too: rep_b never reaches rep_a's lead.
Outcomes: anonymous gets 401; an allowed persona gets an answer to its request (2xx, or
400/409 for a request its state refuses), never 401/403/404/5xx; the others 403 or 404.
"""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

PERSONAS = ["anonymous", "marketer", "rep_a", "rep_b", "manager_a", "admin"]
ALL = frozenset(PERSONAS) - {"anonymous"}
MARKETING = frozenset({"marketer", "admin"})
SEES_LEAD = frozenset({"marketer", "rep_a", "manager_a", "admin"})

# The pages let an admin open these forms, where the policy then refuses the write (the
# admin is not the lead's salesperson or their manager): through the API that is a 403.
# operationId: (method, url name, URL kwargs from the world, body, allowed personas)
EXPECTED = {
    "schema_retrieve": ("get", "schema", {}, {}, ALL),
    "leads_list": ("get", "leads", {}, {}, ALL),
    "leads_upsert": ("post", "leads", {}, {"email": "new@example.com"}, MARKETING),
    "leads_read": ("get", "lead", {"pk": "@lead"}, {}, SEES_LEAD),
    "leads_update": (
        "patch",
        "lead",
        {"pk": "@lead"},
        {"phone": "+44 20 7946 0000"},
        frozenset({"marketer", "rep_a", "admin"}),
    ),
    "leads_attempt_log": (
        "post",
        "lead_attempts",
        {"pk": "@lead"},
        {"channel": "call", "outcome": "no_answer"},
        frozenset({"rep_a"}),
    ),
    "leads_play": ("get", "lead_play", {"pk": "@lead"}, {}, SEES_LEAD),
    "opportunities_create": (
        "post",
        "opportunities",
        {},
        {"lead": "@lead", "amount": "100.00"},
        frozenset({"rep_a"}),
    ),
    "opportunities_close": (
        "post",
        "opportunity_close",
        {"pk": "@opportunity"},
        {"won": True, "amount": "1200.00"},
        frozenset({"rep_a", "manager_a"}),
    ),
    "call_logs_create": (
        "post",
        "call_logs",
        {},
        {"lead": "@lead", "version": "@live_version", "reaction": 4, "outcome": "interested"},
        frozenset({"rep_a"}),
    ),
    "call_logs_read": ("get", "call_log", {"pk": "@call"}, {}, SEES_LEAD),
    "versions_live": ("get", "versions", {}, {}, ALL),
    "versions_read": ("get", "version", {"pk": "@live_version"}, {}, ALL),
    "suggestions_list": ("get", "suggestions", {}, {}, MARKETING),
}


# The schema's own URL is no operation of the schema.
NOT_IN_SCHEMA = {"schema_retrieve"}


def schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def test_every_operation_has_an_expected_outcome():
    operations = schema_operations() | NOT_IN_SCHEMA
    assert sorted(operations - set(EXPECTED)) == [], f"add these to EXPECTED in {__file__}"
    assert sorted(set(EXPECTED) - operations) == [], "these EXPECTED entries are stale"


@pytest.fixture
def api_world(world):
    from leads.models import Opportunity

    return {**world, "opportunity": Opportunity.objects.get(lead_id=world["lead"]).pk}


def resolve(value, world):
    """ "@lead" is the world's lead id; anything else is sent as it is."""
    if isinstance(value, str) and value.startswith("@"):
        return world[value[1:]]
    return value


CASES = [(op, persona) for op in EXPECTED for persona in PERSONAS]


@pytest.mark.parametrize(("operation", "persona"), CASES, ids=[f"{o}-{p}" for o, p in CASES])
def test_operation_outcome_per_persona(api_as, api_world, operation, persona):
    method, name, kwargs, body, allowed = EXPECTED[operation]
    url = reverse(f"api-v1:{name}", kwargs={k: resolve(v, api_world) for k, v in kwargs.items()})
    body = {k: resolve(v, api_world) for k, v in body.items()}
    response = api_as(persona).call(method, url, body)
    status = response.status_code
    assert response["Content-Type"].startswith(("application/json", "application/vnd.oai")), (
        operation,
        persona,
        response["Content-Type"],
    )
    if persona == "anonymous":
        assert status == 401, (operation, status)
        assert response["WWW-Authenticate"].startswith("Bearer")
    elif persona in allowed:
        assert status in (200, 201, 400, 409), (operation, persona, status, response.content)
    else:
        assert status in (403, 404), (operation, persona, status, response.content)


def test_the_docs_are_a_page_for_people(client, marketer):
    url = reverse("api-v1:docs")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(marketer)
    page = client.get(url)
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert b"cdn." not in page.content  # served from our static files
