from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import views, views_agreement, views_imports, views_plays

app_name = "leads"

urlpatterns = [
    path("", views.leads_home, name="home"),
    path("all/", views.lead_index, name="list"),
    path("new/", views.lead_create, name="create"),
    path("qualify/", views.lead_qualify, name="qualify"),
    path("handoff/", views.lead_handoff, name="handoff"),
    path("queue/", views.queue, name="queue"),
    path("team/", views.team, name="team"),
    path("reports/disqualifications/", views.disqualification_report, name="report"),
    path("imports/", views_imports.imports, name="imports"),
    path("imports/<id:pk>/", views_imports.import_detail, name="import_detail"),
    path(
        "imports/<id:pk>/rejected-rows.csv",
        views_imports.import_rejections_csv,
        name="import_rejections_csv",
    ),
    path("plays/", views_plays.play_list, name="play_list"),
    path("plays/new/", views_plays.play_create, name="play_create"),
    path("plays/<id:pk>/", views_plays.play_edit, name="play_edit"),
    path("plays/<id:pk>/archive/", views_plays.play_archive, name="play_archive"),
    path("plays/<id:pk>/delete/", views_plays.play_delete, name="play_delete"),
    path("personas/<id:pk>/", views_plays.persona_detail, name="persona_detail"),
    path("agreement/", views_agreement.agreement, name="agreement"),
    path("agreement/propose/", views_agreement.agreement_propose, name="agreement_propose"),
    path("agreement/<id:pk>/sign/", views_agreement.agreement_sign, name="agreement_sign"),
    path(
        "agreement/<id:pk>/withdraw/",
        views_agreement.agreement_withdraw,
        name="agreement_withdraw",
    ),
    path("capacity/", views_agreement.capacity, name="capacity"),
    path("target/", views_agreement.growth_target, name="growth_target"),
    path("handoffs/<id:pk>/accept/", views.handoff_accept, name="handoff_accept"),
    path("<id:pk>/", views.lead_detail, name="detail"),
    path("<id:pk>/attempts/", views.attempt_log, name="attempt_log"),
    path("<id:pk>/disqualify/", views.lead_disqualify, name="disqualify"),
    path("<id:pk>/opportunity/", views.opportunity_create, name="opportunity_create"),
    path("<id:pk>/opportunity/close/", views.opportunity_close, name="opportunity_close"),
    path("<id:pk>/reassign/", views.lead_reassign, name="reassign"),
    path("<id:pk>/recycle/", views.lead_recycle, name="recycle"),
]
