from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import passage_views, views

app_name = "feedback"

urlpatterns = [
    path("calls/new/", views.call_log_create, name="call_log_create"),
    path("calls/wording/", views.call_log_wording, name="call_log_wording"),
    path("calls/<id:pk>/", views.call_log_detail, name="call_log_detail"),
    path("calls/<id:pk>/correct/", views.call_log_correct, name="call_log_correct"),
    path("inbox/", views.suggestion_inbox, name="suggestion_inbox"),
    path("suggestions/<id:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<id:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<id:pk>/reject/", views.suggestion_reject, name="suggestion_reject"),
    path("suggestions/<id:pk>/comment/", views.suggestion_comment, name="suggestion_comment"),
    path("my-wording/", views.my_wording, name="my_wording"),
    path("objections/", views.objection_list, name="objection_list"),
    path(
        "quotes/<id:version_pk>/<str:passage_key>/",
        passage_views.passage_quotes,
        name="passage_quotes",
    ),
    path("drift/<id:pk>/review/", passage_views.passage_drift_review, name="passage_drift_review"),
    path("objections/<id:pk>/", views.objection_edit, name="objection_edit"),
    path("objections/<id:pk>/reject/", views.objection_reject, name="objection_reject"),
    path("objections/<id:pk>/merge/", views.objection_merge, name="objection_merge"),
]
