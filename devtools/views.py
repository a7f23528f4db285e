from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def bench_bare(request):
    """The ceiling for the page benchmark (`manage.py benchmark_pages`): a login-required
    view with the full middleware stack and a trivial template that runs no query of its
    own, so a page's latency can be stated as a multiple of what Django itself costs."""
    return render(request, "devtools/bench_bare.html")
