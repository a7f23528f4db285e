from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("bench/bare", views.bench_bare, name="bench_bare"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("messages/", include("messaging.urls")),
    path("feedback/notifications/", include("notifications.urls")),
    path("feedback/", include("feedback.urls")),
    path("leads/", include("leads.urls")),
    path("insight/", include("insight.urls")),
    path("admin/", admin.site.urls),
]
