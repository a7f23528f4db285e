from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import broker_state, database_state, worker_state


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database = database_state()
    broker = broker_state()
    healthy = database["ok"] and broker["ok"]
    payload = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "broker": broker,
        "worker": worker_state(),
    }
    return JsonResponse(payload, status=200 if healthy else 503)
