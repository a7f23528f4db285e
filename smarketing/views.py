from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .forms import PreferencesForm
from .health import health_states
from .preferences import preferences_save, remember_in_session, time_zone_of


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database, broker, worker = health_states()
    healthy = database["ok"] and broker["ok"]
    payload = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "broker": broker,
        "worker": worker,
    }
    return JsonResponse(payload, status=200 if healthy else 503)


@require_http_methods(["GET", "POST"])
def preferences(request):
    """A person's own settings (their time zone); everyone logged in has one."""
    form = PreferencesForm(request.POST or None, initial={"time_zone": time_zone_of(request.user)})
    if request.method == "POST" and form.is_valid():
        preferences_save(user=request.user, time_zone=form.cleaned_data["time_zone"])
        remember_in_session(request, request.user)
        messages.success(
            request, f"Saved. Times are now shown in {form.cleaned_data['time_zone']}."
        )
        return redirect("preferences")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/preferences.html", {"form": form}, status=status)
