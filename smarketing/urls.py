from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("home.urls")),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("messages/", include("messaging.urls")),
    path("feedback/notifications/", include("notifications.urls")),
    path("feedback/", include("feedback.urls")),
    path("leads/", include("leads.urls")),
    path("insight/", include("insight.urls")),
    path("api/v1/", include("api.urls_v1")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]


def devtools_urls():
    """`/bench/bare` and any other development route, only where devtools is installed
    (DEBUG or SMARKETING_DEVTOOLS=1, and the tests): production has no such URL."""
    if apps.is_installed("devtools"):
        return [path("", include("devtools.urls"))]
    return []


urlpatterns += devtools_urls()
