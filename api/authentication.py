"""DRF's side of the tokens: `Authorization: Bearer smk_…` makes the request the token's
owner's, and a per-token rate limit (API_TOKEN_RATE) answers 429 with Retry-After."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken
from .tokens import token_find, token_touch


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as: Authorization: Bearer <token>."
            )
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        token = token_find(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("That token is not valid, expired or revoked.")
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge), not 403, when no token was sent.
        return 'Bearer realm="api"'


class ApiTokenRateThrottle(SimpleRateThrottle):
    """So many requests per token per period; a script gone wrong slows down, the others
    are not affected. The rate is read at each request, so tests can change it."""

    scope = "api_token"

    def get_rate(self):
        return getattr(settings, "API_TOKEN_RATE", "600/minute")

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None

    def allow_request(self, request, view):
        # The rate may have changed since __init__ read it (settings overridden).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema (and the docs' Authorize button) describe the token."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "smk_<prefix>_<secret>"}
