"""/api/v1/: the versioned JSON API, its OpenAPI schema and its docs."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import views
from .authentication import ApiTokenAuthentication

app_name = "api-v1"


def api(view):
    # The API answers 401 itself (JSON), rather than the login page's redirect.
    return login_not_required(view)


urlpatterns = [
    path(
        "schema/",
        api(
            SpectacularAPIView.as_view(
                authentication_classes=[ApiTokenAuthentication, SessionAuthentication]
            )
        ),
        name="schema",
    ),
    # A page for people (login required, like every page): Swagger UI from our static
    # files (drf-spectacular-sidecar), its script a file of its own for the CSP.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-v1:schema", authentication_classes=[SessionAuthentication]
            )
        ),
        name="docs",
    ),
    path("leads/", api(views.LeadListView.as_view()), name="leads"),
    path("leads/<id:pk>/", api(views.LeadDetailView.as_view()), name="lead"),
    path("leads/<id:pk>/attempts/", api(views.LeadAttemptView.as_view()), name="lead_attempts"),
    path("leads/<id:pk>/play/", api(views.LeadPlayView.as_view()), name="lead_play"),
    path("opportunities/", api(views.OpportunityCreateView.as_view()), name="opportunities"),
    path(
        "opportunities/<id:pk>/close/",
        api(views.OpportunityCloseView.as_view()),
        name="opportunity_close",
    ),
    path("call-logs/", api(views.CallLogCreateView.as_view()), name="call_logs"),
    path("call-logs/<id:pk>/", api(views.CallLogDetailView.as_view()), name="call_log"),
    path("versions/", api(views.VersionListView.as_view()), name="versions"),
    path("versions/<id:pk>/", api(views.VersionDetailView.as_view()), name="version"),
    path("suggestions/", api(views.SuggestionListView.as_view()), name="suggestions"),
]
