"""The pages behind the API: a person's tokens, and marketing's webhook subscriptions."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from smarketing.roles import MARKETING, role_required
from smarketing.web import form_errors_from

from . import selectors, tokens, webhooks
from .forms import SubscriptionForm, TokenForm
from .models import ApiToken, WebhookDelivery, WebhookSubscription
from .policies import WebhookPolicy


@require_http_methods(["GET", "POST"])
def token_list(request):
    """Everyone logged in may make tokens for themselves: a token acts as its owner."""
    form = TokenForm(request.POST or None)
    raw = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            day = form.cleaned_data["expires_at"]
            expires = (
                timezone.make_aware(datetime.combine(day, time.min), timezone.get_fixed_timezone(0))
                if day
                else None
            )
            try:
                _token, raw = tokens.token_create(
                    user=request.user, name=form.cleaned_data["name"], expires_at=expires
                )
            except ValidationError as error:
                form_errors_from(form, error)
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "raw": raw,
            "tokens": ApiToken.objects.filter(user=request.user),
            "now": timezone.now(),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the page may show a secret
    return response


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.token_revoke(token=token, user=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api:tokens")


def _subscription_form(request, data=None, **kwargs):
    return SubscriptionForm(
        data,
        can_allow_private=bool(WebhookPolicy(request.user).can_allow_private_network()),
        **kwargs,
    )


def _save(request, form, subscription=None):
    data = form.cleaned_data
    try:
        return webhooks.subscription_save(
            user=request.user,
            subscription=subscription,
            url=data["url"],
            events=data["events"],
            description=data["description"],
            is_active=data["is_active"],
            allow_private_network=data.get("allow_private_network"),
        )
    except ValidationError as error:
        form_errors_from(form, error)
    except PermissionDenied as denied:
        form.add_error(None, str(denied))
    return None


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def webhook_list(request):
    form = _subscription_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = _save(request, form)
        if subscription is not None:
            messages.success(request, "Subscribed. Its signing secret is on its page.")
            return redirect("api:webhook_detail", subscription.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "api/webhooks.html",
        {"form": form, "subscriptions": selectors.subscriptions_of(user=request.user)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def webhook_detail(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    initial = {
        "url": subscription.url,
        "events": subscription.events,
        "description": subscription.description,
        "is_active": subscription.is_active,
        "allow_private_network": subscription.allow_private_network,
    }
    form = _subscription_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, subscription):
        messages.success(request, "Saved.")
        return redirect("api:webhook_detail", pk)
    status = 422 if request.method == "POST" else 200
    response = render(
        request,
        "api/webhook_detail.html",
        {
            "subscription": subscription,
            "form": form,
            "deliveries": selectors.deliveries_of(subscription=subscription),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(MARKETING)
def delivery_resend(request, pk):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    webhooks.delivery_resend(delivery=delivery, user=request.user)
    messages.success(request, f"{delivery.event} queued to be sent again.")
    return redirect("api:webhook_detail", delivery.subscription_id)
