"""The benchmark's WSGI entry point: the portal, plus the true floor at `/bench/floor`.

`benchmark_pages` serves `devtools.wsgi:application` under the same gunicorn as the
pages it measures. Every path but one goes to the portal's own `smarketing.wsgi`
application unchanged (one string comparison in front of it). `/bench/floor` goes to a
second Django handler of the same process with NO middleware and a URL configuration of
one route, whose view touches neither the database nor the session: what Django itself
costs to answer a request (WSGI request object, URL resolution, a view, a response), and
so the floor every page is reported against. It is a separate handler rather than a
view that "skips" middleware, because a middleware cannot be skipped from inside the
stack: it has already run by the time a view is reached.

Never the production entry point (README: `gunicorn smarketing.wsgi`).
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.urls import path

from devtools import FLOOR_PATH
from smarketing.wsgi import application as portal


def floor(request):
    """No database, no session, no template: a fixed page of about the bare page's size."""
    return HttpResponse(
        b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Floor</title>'
        b"</head>\n<body><p>Hello, floor.</p></body></html>\n"
    )


urlpatterns = [path(FLOOR_PATH.lstrip("/"), floor, name="bench_floor")]


class FloorHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain and this module's one URL."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def resolve_request(self, request):
        request.urlconf = __name__
        return super().resolve_request(request)


floor_handler = FloorHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == FLOOR_PATH:
        return floor_handler(environ, start_response)
    return portal(environ, start_response)
