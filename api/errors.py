"""Errors of the API are JSON, never HTML: one shape for every status.

    {"detail": "Invalid input.", "fields": {"email": ["Enter a valid email address."]}}

`api_exception_handler` is DRF's handler: it also turns the services' Django
ValidationError (field messages kept) and a missing object into 400 and 404.
`ApiJsonErrorsMiddleware` covers what DRF never sees under /api/: a URL that resolves to
nothing, a bad id in the path, a method the view lacks, an unexpected exception.
"""

import logging

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)
EXPECTED = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)

API_PREFIX = "/api/v1/"
GENERIC = {
    400: "Bad request.",
    401: "Authentication needed: send Authorization: Bearer <token>.",
    403: "You may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable: this API speaks JSON.",
    413: "Request too large.",
    415: "Unsupported media type: send JSON.",
    429: "Too many requests.",
    500: "Server error: it has been logged.",
}


def _from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    else:
        detail = {"non_field_errors": [str(m) for m in error.messages]}
    return exceptions.ValidationError(detail)


def _flatten(detail) -> dict:
    """DRF's nested error detail as {field: [messages]} ("items.0.text" for nested)."""
    out = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            messages = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return out


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: the middleware answers a JSON 500
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        body = {"detail": (fields.get("non_field_errors") or ["Invalid input."])[0]}
        body["fields"] = fields
    else:
        detail = getattr(exc, "detail", None) or GENERIC.get(response.status_code, "Error.")
        body = {"detail": str(detail)}
    response.data = body
    return response


class ApiJsonErrorsMiddleware:
    """Under /api/v1/, an error answer that is not JSON becomes the JSON one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        replacement = JsonResponse({"detail": GENERIC.get(status, "Error.")}, status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request, exception):
        # Http404, PermissionDenied, a bad request: Django answers those itself (and
        # __call__ turns them into JSON); only the unexpected is a 500 here.
        if not request.path.startswith(API_PREFIX) or isinstance(exception, EXPECTED):
            return None
        logger.exception("API error on %s %s", request.method, request.path)
        return JsonResponse({"detail": GENERIC[500]}, status=500)
