"""Generated requests to every operation of our own schema: never a 5xx, always JSON.

Hypothesis draws each operation's path ids (the world's, 0, huge, negative), its query
parameters and its JSON body from the schema's own description of them, and sometimes
breaks the rules on purpose (a wrong type, a missing field, a non-object body). Each
operation is called as a persona it allows, so the requests reach the services' rules
rather than stopping at the role check. CI replays the same examples (the "ci" profile).
"""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_permission_matrix import EXPECTED

SCHEMA = None


def schema():
    global SCHEMA
    if SCHEMA is None:
        SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
    return SCHEMA


def operations():
    found = []
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found.append((operation["operationId"], method, path, operation))
    return sorted(found, key=lambda found: found[0])


def resolve(node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema()["components"]["schemas"][name]
    return node


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
INTS = st.integers(min_value=-(2**70), max_value=2**70) | st.integers(min_value=0, max_value=50)


def for_schema(node, depth=0):
    """A strategy for values of a JSON-schema node (mostly valid, sometimes not)."""
    node = resolve(node)
    if "allOf" in node:
        return for_schema(node["allOf"][0], depth)
    if "oneOf" in node or "anyOf" in node:
        return st.one_of([for_schema(n, depth) for n in node.get("oneOf", node.get("anyOf"))])
    kind = node.get("type")
    if "enum" in node:
        values = [v for v in node["enum"] if v is not None]
        base = st.sampled_from(values) if values else st.none()
    elif kind == "integer":
        base = (
            st.integers(
                min_value=node.get("minimum", -(2**70)), max_value=node.get("maximum", 2**70)
            )
            | INTS
        )
    elif kind == "number":
        base = st.floats(allow_nan=False, allow_infinity=False) | st.integers()
    elif kind == "boolean":
        base = st.booleans()
    elif kind == "array":
        base = st.lists(
            for_schema(node.get("items", {}), depth + 1), max_size=min(node.get("maxItems", 3), 3)
        )
    elif kind == "object" or "properties" in node:
        properties = node.get("properties", {})
        if depth > 2 or not properties:
            base = st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3)
        else:
            required = set(node.get("required", []))
            base = st.fixed_dictionaries(
                {k: for_schema(v, depth + 1) for k, v in properties.items() if k in required},
                optional={
                    k: for_schema(v, depth + 1) for k, v in properties.items() if k not in required
                },
            )
    else:  # strings, by format
        fmt = node.get("format")
        if fmt == "email":
            base = st.emails() | st.text(max_size=30)
        elif fmt == "date-time":
            base = st.datetimes().map(lambda d: d.isoformat() + "Z") | st.text(max_size=25)
        elif fmt == "date":
            base = st.dates().map(str) | st.text(max_size=12)
        elif fmt == "decimal" or node.get("pattern", "").startswith("^-?\\d"):
            base = st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str) | st.text(
                max_size=10
            )
        else:
            base = st.text(max_size=min(node.get("maxLength", 60), 60))
    if node.get("nullable"):
        base = base | st.none()
    return base | ANY_JSON if depth else base


def request_body(operation):
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.none()
    return for_schema(content["schema"]) | ANY_JSON


def query(operation):
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    return st.fixed_dictionaries(
        {}, optional={p["name"]: st.text(max_size=12) | for_schema(p["schema"]) for p in params}
    )


OPERATIONS = operations()


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "operation"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
def test_no_operation_answers_a_server_error(api_as, world, operation_id, method, path, operation):
    allowed = sorted(EXPECTED[operation_id][4])
    api = api_as("rep_a" if "rep_a" in allowed else allowed[0])
    from leads.models import Opportunity

    world = {**world, "opportunity": Opportunity.objects.get(lead_id=world["lead"]).pk}
    # The id the permission matrix uses for this operation first (so the examples reach
    # the object), then any of the world's, then any integer at all.
    right = [world[v[1:]] for v in EXPECTED[operation_id][2].values()]
    ids = (
        st.sampled_from(right or [1])
        | st.sampled_from(sorted(v for v in world.values() if isinstance(v, int)))
        | INTS
    )
    seen = set()

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(pk=ids, params=query(operation), body=request_body(operation))
    def check(pk, params, body):
        url = path.replace("{id}", str(pk))
        if method == "get":
            response = api.get(
                url, {k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()}
            )
        else:
            response = api.call(method, url, body)
        assert response.status_code < 500, (method, url, body, response.content[:500])
        seen.add(response.status_code)
        assert response["Content-Type"].startswith("application/json"), (url, response.status_code)

    check()
    # Some requests got past the role and object checks to the input rules or the
    # service (a fuzz that only ever met a 403 or a 404 would prove nothing).
    assert seen - {401, 403, 404}, (operation_id, seen)
    print(operation_id, sorted(seen))


def test_a_body_that_is_not_json_is_a_400(api_as, world):
    response = api_as("marketer").post("/api/v1/leads/", "{not json")
    assert response.status_code == 400
    assert response.json()["detail"]
