"""The API's tests: a token per persona, and a JSON client that sends it."""

import json

import pytest

from api.tokens import token_create


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    # Tokens are rows, so their ids (the throttle's cache key) repeat across tests;
    # only the rate-limit test asks for a small limit.
    settings.API_TOKEN_RATE = "100000/minute"


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client, raw=None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}

    def call(self, method, url, data=None, **headers):
        kwargs = dict(self.headers, **headers)
        if method == "get":
            return self.client.get(url, data or {}, **kwargs)
        body = data if isinstance(data, (str, bytes)) else json.dumps(data or {})
        return getattr(self.client, method)(url, body, content_type="application/json", **kwargs)

    def get(self, url, data=None, **headers):
        return self.call("get", url, data, **headers)

    def post(self, url, data=None, **headers):
        return self.call("post", url, data, **headers)

    def patch(self, url, data=None, **headers):
        return self.call("patch", url, data, **headers)


@pytest.fixture
def api_as(client, request):
    """api_as("rep_a") → an ApiClient holding a fresh token of that persona."""

    def make(persona):
        if persona == "anonymous":
            return ApiClient(client)
        user = request.getfixturevalue(persona)
        _token, raw = token_create(user=user, name=f"{persona} tests")
        return ApiClient(client, raw)

    return make
