from django.urls import path

from smarketing import converters  # noqa: F401 (registers <id:>)

from . import pages

app_name = "api"

urlpatterns = [
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<id:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("webhooks/", pages.webhook_list, name="webhooks"),
    path("webhooks/<id:pk>/", pages.webhook_detail, name="webhook_detail"),
    path("webhooks/deliveries/<id:pk>/resend/", pages.delivery_resend, name="delivery_resend"),
]
