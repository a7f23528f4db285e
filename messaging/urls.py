from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import views, views_review

app_name = "messaging"

urlpatterns = [
    path("", views.message_library, name="message_library"),
    path("new/", views.message_create, name="message_create"),
    path("preview/", views.draft_preview, name="draft_preview"),
    path("personas/", views.persona_list, name="persona_list"),
    path("personas/new/", views.persona_edit, name="persona_create"),
    path("personas/<id:persona_pk>/edit/", views.persona_edit, name="persona_edit"),
    path("<id:pk>/", views.message_detail, name="message_detail"),
    path("<id:pk>/edit/", views.message_edit, name="message_edit"),
    path("<id:pk>/compare/", views.version_compare, name="version_compare"),
    path("<id:pk>/draft/", views.draft_edit, name="draft_edit"),
    path("<id:pk>/draft/new/", views.draft_create, name="draft_create"),
    path("<id:pk>/draft/autosave/", views.draft_autosave, name="draft_autosave"),
    path("<id:pk>/draft/publish/", views.draft_publish, name="draft_publish"),
    path("<id:pk>/draft/discard/", views.draft_discard, name="draft_discard"),
    path("<id:pk>/draft/review/", views_review.draft_review, name="draft_review"),
    path("<id:pk>/draft/review/submit/", views_review.review_submit, name="review_submit"),
    path("<id:pk>/draft/review/decide/", views_review.review_decide, name="review_decide"),
    path("<id:pk>/draft/review/comment/", views_review.review_comment, name="review_comment"),
    path("<id:pk>/experiment/new/", views_review.experiment_start, name="experiment_start"),
    path(
        "<id:pk>/experiment/<id:experiment_pk>/end/",
        views_review.experiment_end,
        name="experiment_end",
    ),
    path("<id:pk>/verify/", views_review.message_verify_view, name="message_verify"),
    path("<id:pk>/v<id:number>/", views.version_detail, name="version_detail"),
    path("<id:pk>/v<id:number>/restore/", views.version_restore, name="version_restore"),
    path("<id:pk>/v<id:number>/retire/", views.version_retire, name="version_retire"),
]
