"""The insight pages: attribution of message versions, and the loop's health.

Both pages (and their CSV downloads) are for marketing and sales leadership; see
smarketing.context_processors for why salespeople do not get them.
"""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from smarketing.roles import MARKETING, SALES_MANAGER, role_required

from . import charts, selectors


def _page(request, template, context):
    if request.htmx and not request.htmx.boosted:
        template += "#figures"
    return render(request, template, context)


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def attribution(request):
    report = selectors.attribution_report(filters=request.GET, page=request.GET.get("page") or 1)
    return _page(
        request,
        "insight/attribution.html",
        {
            "report": report,
            "filter": report.filterset,
            "figures": charts.attribution_figures(report),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def loop_health(request):
    health = selectors.loop_health(filters=request.GET)
    return _page(
        request,
        "insight/loop_health.html",
        {
            "health": health,
            "filter": health.filterset,
            "figures": charts.loop_health_figures(health),
            "median_first_touch": charts.duration(health.median_first_touch),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def attribution_csv(request, key):
    report = selectors.attribution_report(filters=request.GET)
    return _csv(report.filterset, charts.attribution_figures(report), key, "attribution")


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def loop_health_csv(request, key):
    health = selectors.loop_health(filters=request.GET)
    return _csv(health.filterset, charts.loop_health_figures(health), key, "loop-health")


def _csv(filterset, figures, key, page) -> HttpResponse:
    figure = next((figure for figure in figures if figure.key == key), None)
    if figure is None:
        raise Http404("No such table.")
    if not filterset.is_valid():
        return HttpResponse(
            "The filters are not valid; fix them on the page first.",
            status=400,
            content_type="text/plain",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{page}-{key}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(figure.headers)
    for row in figure.rows:
        writer.writerow(["" if cell is None else _safe_cell(cell) for cell in row])
    return response


def _safe_cell(value):
    # A label starting with =, +, - or @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
