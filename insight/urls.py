from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import views

app_name = "insight"

urlpatterns = [
    path("attribution/", views.attribution, name="attribution"),
    path("attribution/<slug:key>.csv", views.attribution_csv, name="attribution_csv"),
    path("loop-health/", views.loop_health, name="loop_health"),
    path("loop-health/<slug:key>.csv", views.loop_health_csv, name="loop_health_csv"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards.csv", views.scorecards_csv, name="scorecards_csv"),
    path("disqualifications/", views.disqualifications, name="disqualifications"),
    path("experiments/<id:pk>/", views.experiment_readout, name="experiment_readout"),
    path("disqualifications.csv", views.disqualifications_csv, name="disqualifications_csv"),
]
