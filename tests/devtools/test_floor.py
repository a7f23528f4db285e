"""The page benchmark's floor: a Django view answered with no middleware and no query,
under the same WSGI application as the portal (devtools.wsgi)."""

from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools import FLOOR_PATH
from devtools.wsgi import application


def call(path):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.django_db
def test_the_floor_answers_without_middleware_or_query():
    with CaptureQueriesContext(connection) as queries:
        status, headers, body = call(FLOOR_PATH)
    assert status == "200 OK"
    assert b"Hello, floor." in body
    assert len(queries) == 0
    # LoginRequiredMiddleware would have redirected; the CSP and frame middleware would
    # have added their headers: none of them ran.
    assert "Content-Security-Policy" not in headers
    assert "X-Frame-Options" not in headers


@pytest.mark.django_db
def test_every_other_path_is_the_portal_with_its_middleware():
    status, headers, _ = call("/bench/bare")
    assert status == "302 Found"  # login required
    assert "/accounts/login/" in headers["Location"]
    assert "X-Frame-Options" in headers
