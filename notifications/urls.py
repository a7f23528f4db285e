from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import views

app_name = "notifications"

# Mounted at /feedback/notifications/, where the pages were before the app existed, so
# links in notifications already sent and people's bookmarks keep working.
urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("read/", views.notifications_mark_all_read, name="notifications_read"),
    path("<id:pk>/open/", views.notification_open, name="notification_open"),
]
