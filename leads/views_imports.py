"""The import pages: upload a CSV, map its columns, watch it import, download what was
rejected. Thin like leads.views: parse input, call one selector or service, render."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from smarketing.csvio import csv_response
from smarketing.roles import MARKETING, role_required
from smarketing.web import form_errors_from, page_of

from . import importing, selectors, services
from .forms import ImportMappingForm, ImportUploadForm
from .models import LeadList


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def imports(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead_list = services.lead_import_create(
                user=request.user,
                uploaded_file=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                source=form.cleaned_data["source"],
                persona=form.cleaned_data["persona"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_errors_from(form, error)  # the list's own fields (name, source)
            else:
                form.add_error("file", error)
        else:
            return redirect("leads:import_detail", lead_list.pk)
    return render(
        request,
        "leads/imports.html",
        {"form": form, "page_obj": page_of(request, selectors.lead_lists(user=request.user))},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def import_detail(request, pk):
    lead_list = get_object_or_404(LeadList.objects.select_related("persona", "created_by"), pk=pk)
    if lead_list.status != LeadList.Status.MAPPING:
        if request.htmx and request.htmx.target == "import-progress":
            if lead_list.is_finished:
                return HttpResponseClientRefresh()
            return render(request, "leads/import_detail.html#progress", {"lead_list": lead_list})
        rejections = page_of(request, selectors.import_rejections(lead_list=lead_list), per_page=50)
        return render(
            request,
            "leads/import_detail.html",
            {"lead_list": lead_list, "page_obj": rejections},
        )

    form = ImportMappingForm(
        request.POST or None, header=lead_list.header, mapping=lead_list.mapping
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_import_set_mapping(
                lead_list=lead_list, user=request.user, mapping=form.mapping()
            )
            if request.POST.get("action") == "start":
                services.lead_import_start(lead_list=lead_list, user=request.user)
                return redirect("leads:import_detail", pk)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return redirect("leads:import_detail", pk)
    preview = selectors.import_preview(lead_list=lead_list)
    missing = importing.missing_required(lead_list.mapping)
    fields = [(name, label) for name, label, _ in importing.FIELDS if name in lead_list.mapping]
    return render(
        request,
        "leads/import_mapping.html",
        {
            "lead_list": lead_list,
            "form": form,
            "preview": preview,
            "plan": selectors.import_plan(lead_list=lead_list),
            "preview_fields": fields,
            "missing": missing,
        },
        status=422 if form.errors else 200,
    )


@require_GET
@role_required(MARKETING)
def import_rejections_csv(request, pk):
    lead_list = get_object_or_404(LeadList, pk=pk)
    rows = selectors.import_rejections(lead_list=lead_list).iterator(chunk_size=2000)
    return csv_response(
        f"rejected-rows-{lead_list.pk}",
        importing.REJECTED_ROWS_HEADERS,
        importing.rejected_rows(rows),
        stream=True,
        dated=False,
    )
