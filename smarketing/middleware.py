import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import timezone


class PermissionsPolicyMiddleware:
    """Switch off browser features this portal never uses (camera, microphone, ...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class TimeZoneMiddleware:
    """Show times in the logged-in person's zone (smarketing.preferences): read from the
    session, so no query after the first request; logged out, the company's zone. Datetime inputs
    of forms are read in the same zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .preferences import SESSION_KEY, remember_in_session, zone

        name = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if not name and getattr(request, "user", None) and request.user.is_authenticated:
            # A session from before the person's zone was kept in it: look it up once.
            remember_in_session(request, request.user)
            name = request.session[SESSION_KEY]
        if name:
            timezone.activate(zone(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the policy built once per process (issue 19).

    django-csp builds the header from the settings on every response (twice: the policy
    and the report-only one). Ours is the same on every page unless a view changes it
    (django-csp's csp_update/csp_replace/csp_exempt decorators mark the response) or the
    page asked for a nonce: those responses still go through django-csp unchanged.
    The built strings are dropped when a test changes the policy settings.
    """

    _PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )
    _policies: dict[bool, str] = {}

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self._PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for report_only, header, setting in (
            (False, csp.constants.HEADER, "CONTENT_SECURITY_POLICY"),
            (True, csp.constants.HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = self._policies.get(report_only)
            if policy is None:
                policy = self._policies[report_only] = csp.utils.build_policy(
                    report_only=report_only
                )
            if not policy or header in response:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            if not prefixes or not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _csp_settings_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._policies.clear()


setting_changed.connect(_csp_settings_changed, dispatch_uid="csp-policies-built")
