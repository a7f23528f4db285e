from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from smarketing.web import page_of

from . import selectors, services
from .models import Notification


@require_GET
def notification_list(request):
    page = page_of(request, selectors.notifications_for(user=request.user))
    return render(request, "notifications/notification_list.html", {"page_obj": page})


@require_POST
def notification_open(request, pk):
    """Mark one notification read and go where it points (only within this site)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("notifications:notification_list")
    return redirect(target)


@require_POST
def notifications_mark_all_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("notifications:notification_list")
