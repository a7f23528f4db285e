"""The insight pages: attribution of message versions, the loop's health, the list and
vendor scorecards and the disqualification drill-down.

Both pages (and their CSV downloads) are for marketing and sales leadership; see
smarketing.context_processors for why salespeople do not get them.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from smarketing.csvio import csv_response
from smarketing.roles import MARKETING, SALES_MANAGER, role_required
from smarketing.web import page_of

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
        return _invalid_filters()
    return csv_response(f"{page}-{key}", figure.headers, figure.rows)


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def scorecards(request):
    report = selectors.scorecards(user=request.user, filters=request.GET)
    return _page(
        request,
        "insight/scorecards.html",
        {
            "report": report,
            "filter": report.filterset,
            "page_obj": page_of(request, report.rows),
            "columns": _sort_headers(report.order),
            "query": request.GET.urlencode(),
        },
    )


# (order key, header, numeric): the sortable columns of the scorecards table.
SCORECARD_COLUMNS = [
    ("name", "Name", False),
    ("leads", "Leads", True),
    ("contact_rate", "Contact rate", True),
    ("median_first_touch", "Median first touch", True),
    ("disqualification_rate", "Disqualified", True),
    ("conversion", "To opportunity", True),
    ("won_revenue", "Won revenue", True),
    ("revenue_per_lead", "Won per lead", True),
]


def _sort_headers(order: str) -> list[dict]:
    """Each column's header: the order its link asks for (the current column flips,
    another starts high first, names A to Z) and its aria-sort state."""
    headers = []
    for key, label, numeric in SCORECARD_COLUMNS:
        state = None
        if order.lstrip("-") == key:
            state = "descending" if order.startswith("-") else "ascending"
        if state == "descending":
            wanted = key
        elif state == "ascending" or numeric:
            wanted = f"-{key}"
        else:
            wanted = key
        headers.append(
            {"key": key, "label": label, "numeric": numeric, "order": wanted, "sort": state}
        )
    return headers


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def scorecards_csv(request):
    report = selectors.scorecards(user=request.user, filters=request.GET)
    if not report.filterset.is_valid():
        return _invalid_filters()
    by = "Lead list" if report.by == "list" else "Source"
    headers = [
        by, "Leads", "Contacted", "Contact rate", "Touched after handoff",
        "Median hours to first touch", "Disqualified", "Disqualification rate",
        "Disqualified by reason", "Opportunities", "Conversion",
        f"Won revenue ({report.currency})", f"Won revenue per lead ({report.currency})",
    ]  # fmt: skip
    rows = [
        [
            card.name, card.leads, card.contacted, _ratio(card.contact_rate), card.touched,
            _hours(card.median_first_touch), card.disqualified,
            _ratio(card.disqualification_rate),
            "; ".join(f"{name}: {n}" for _pk, name, n in card.reasons),
            card.opportunities, _ratio(card.conversion), card.won_revenue,
            None if card.revenue_per_lead is None else round(card.revenue_per_lead, 2),
        ]
        for card in report.rows
    ]  # fmt: skip
    return csv_response(f"scorecards-{report.by}", headers, rows)


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def disqualifications(request):
    report = selectors.disqualifications(user=request.user, filters=request.GET)
    page = page_of(request, report.leads) if report.leads is not None else None
    template = "insight/disqualifications.html"
    if request.htmx and not request.htmx.boosted:
        template += "#drilldown"
    return render(
        request,
        template,
        {
            "report": report,
            "filter": report.filterset,
            "page_obj": page,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def disqualifications_csv(request):
    report = selectors.disqualifications(user=request.user, filters=request.GET)
    if report.leads is None:
        return _invalid_filters()
    headers = ["Disqualified at", "Lead", "Email", "Reason", "Note", "Salesperson",
               "Lead list", "Source"]  # fmt: skip
    rows = (
        [
            timezone.localtime(lead.disqualified_at).strftime("%Y-%m-%d %H:%M"),
            lead.full_name, lead.email,
            lead.disqualification_reason.name if lead.disqualification_reason else "",
            lead.disqualification_note,
            (lead.owner.get_full_name() or lead.owner.username) if lead.owner else "",
            lead.lead_list.name if lead.lead_list else "", lead.source,
        ]
        for lead in report.leads.iterator(chunk_size=2000)
    )  # fmt: skip
    return csv_response("disqualifications", headers, rows)


def _invalid_filters() -> HttpResponse:
    return HttpResponse(
        "The filters are not valid; fix them on the page first.",
        status=400,
        content_type="text/plain",
    )


def _ratio(value):
    return None if value is None else round(value, 4)


def _hours(span):
    return None if span is None else round(span.total_seconds() / 3600, 1)


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def experiment_readout(request, pk):
    """A field experiment's readout: progress until the planned horizon, then the
    differences with their intervals (insight.selectors.experiments)."""
    from messaging.models import Experiment

    try:
        readout = selectors.experiment_readout(pk=pk)
    except Experiment.DoesNotExist:
        raise Http404("No such experiment.") from None
    return render(request, "insight/experiment.html", {"readout": readout})
