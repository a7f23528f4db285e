from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("attribution/", views.attribution, name="attribution"),
    path("attribution/<slug:key>.csv", views.attribution_csv, name="attribution_csv"),
    path("loop-health/", views.loop_health, name="loop_health"),
    path("loop-health/<slug:key>.csv", views.loop_health_csv, name="loop_health_csv"),
]
