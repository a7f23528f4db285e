"""The request pipeline's own middleware (issue 19): the same headers as the libraries
they stand in for, computed once where they are the same on every page."""

import csp.constants
import csp.exceptions
import csp.middleware
import pytest
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from smarketing.middleware import CSPMiddleware


def directives(header: str) -> dict[str, str]:
    # django-csp's order of directives depends on set iteration; the policy does not.
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def through(middleware_class, view):
    request = RequestFactory().get("/somewhere")
    middleware = middleware_class(view)
    return middleware(request), request


def test_the_policy_is_django_csp_s_own(client_for, marketer):
    ours = client_for(marketer).get("/bench/bare")["Content-Security-Policy"]
    theirs, _ = through(csp.middleware.CSPMiddleware, lambda r: HttpResponse("x"))
    assert directives(ours) == directives(theirs["Content-Security-Policy"])
    assert directives(ours)["script-src"] == "'self'"


def test_a_changed_policy_setting_is_followed():
    through(CSPMiddleware, lambda r: HttpResponse("x"))  # builds the policy once
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        response, _ = through(CSPMiddleware, lambda r: HttpResponse("x"))
        assert directives(response["Content-Security-Policy"]) == {"default-src": "'none'"}
    response, _ = through(CSPMiddleware, lambda r: HttpResponse("x"))
    assert directives(response["Content-Security-Policy"])["default-src"] == "'self'"


def test_a_view_s_own_policy_and_an_exempt_view_go_through_django_csp():
    updated = csp_update({"img-src": "https://img.example.com"})(lambda r: HttpResponse("x"))
    response, _ = through(CSPMiddleware, updated)
    assert directives(response["Content-Security-Policy"])["img-src"] == (
        "'self' data: https://img.example.com"
    )
    exempt = csp_exempt()(lambda r: HttpResponse("x"))
    response, _ = through(CSPMiddleware, exempt)
    assert "Content-Security-Policy" not in response


@override_settings(
    CONTENT_SECURITY_POLICY={
        "DIRECTIVES": {"script-src": [csp.constants.SELF, csp.constants.NONCE]}
    }
)
def test_a_page_that_asks_for_a_nonce_gets_it_in_its_policy():
    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    response, request = through(CSPMiddleware, view)
    assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
    response, _ = through(CSPMiddleware, lambda r: HttpResponse("x"))  # no nonce asked for
    assert "nonce-" not in response["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    _, request = through(CSPMiddleware, lambda r: HttpResponse("x"))
    with pytest.raises(csp.exceptions.CSPNonceError):
        str(request.csp_nonce)
