from django.urls import path

from . import pages

app_name = "api"

urlpatterns = [
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("webhooks/", pages.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", pages.webhook_detail, name="webhook_detail"),
    path("webhooks/deliveries/<int:pk>/resend/", pages.delivery_resend, name="delivery_resend"),
]
