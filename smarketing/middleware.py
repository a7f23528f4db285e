from django.conf import settings
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
