from django.urls import path

from . import passage_views, views

app_name = "feedback"

urlpatterns = [
    path("calls/new/", views.call_log_create, name="call_log_create"),
    path("calls/wording/", views.call_log_wording, name="call_log_wording"),
    path("calls/<int:pk>/", views.call_log_detail, name="call_log_detail"),
    path("calls/<int:pk>/correct/", views.call_log_correct, name="call_log_correct"),
    path("inbox/", views.suggestion_inbox, name="suggestion_inbox"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:pk>/reject/", views.suggestion_reject, name="suggestion_reject"),
    path("suggestions/<int:pk>/comment/", views.suggestion_comment, name="suggestion_comment"),
    path("my-wording/", views.my_wording, name="my_wording"),
    path("objections/", views.objection_list, name="objection_list"),
    path(
        "quotes/<int:version_pk>/<str:passage_key>/",
        passage_views.passage_quotes,
        name="passage_quotes",
    ),
    path("drift/<int:pk>/review/", passage_views.passage_drift_review, name="passage_drift_review"),
    path("objections/<int:pk>/", views.objection_edit, name="objection_edit"),
    path("objections/<int:pk>/reject/", views.objection_reject, name="objection_reject"),
    path("objections/<int:pk>/merge/", views.objection_merge, name="objection_merge"),
]
