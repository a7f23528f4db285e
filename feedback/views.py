from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging.models import MessageVersion
from smarketing.roles import MARKETING, SALES, role_required
from smarketing.web import error_messages, form_errors_from, page_of, template_for

from . import selectors, services
from .forms import CallLogForm, CommentForm, ObjectionEditForm, ObjectionMergeForm, RejectForm
from .models import ObjectionTag, Suggestion
from .policies import SuggestionPolicy

# --- Call logs ------------------------------------------------------------------------


def _call_log_form(request, data=None):
    """Build the form for the lead and version in the request (query or POST)."""
    source = data if data is not None else request.GET
    leads = selectors.loggable_leads(user=request.user)
    lead = None
    if source.get("lead", "").isdigit():
        lead = leads.filter(pk=source["lead"]).first()
    version = None
    if source.get("version", "").isdigit():
        version = MessageVersion.objects.published().filter(pk=source["version"]).first()
    if version is None:
        version = selectors.default_version_for(lead)
    versions = selectors.version_choices(lead=lead, include=version)
    passages = list(version.passages.all()) if version else []
    initial = {"lead": lead, "version": version, "edited_body": version.body if version else ""}
    form = CallLogForm(data, leads=leads, versions=versions, passages=passages, initial=initial)
    return form, lead, version


@role_required(SALES)
@require_http_methods(["GET", "POST"])
def call_log_create(request):
    """Log a conversation from a lead in the queue or from a message page."""
    form, lead, version = _call_log_form(
        request, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call_log = services.call_log_create(
                user=request.user,
                lead=data["lead"],
                version=data["version"],
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                reaction=data["reaction"],
                outcome=data["outcome"],
                objections=data["objections"],
                new_objection_names=data["new_objections"],
                quote=data["quote"],
                quote_passage_key=data["quote_passage_key"],
                edited_body=data["edited_body"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            changed = call_log.passage_edits.count()
            messages.success(
                request,
                f"Call with {call_log.lead} logged"
                + (
                    f", with {changed} change{'s' if changed != 1 else ''} to the wording."
                    if changed
                    else "."
                ),
            )
            return redirect("feedback:call_log_detail", pk=call_log.pk)
    return render(
        request,
        "feedback/call_log_form.html",
        {"form": form, "lead": lead, "version": version},
    )


@role_required(SALES)
@require_GET
def call_log_wording(request):
    """htmx: the wording editor and passage choices for another version."""
    version = selectors.readable_version(pk=request.GET.get("version", "0") or 0)
    form = CallLogForm(
        leads=selectors.loggable_leads(user=request.user),
        versions=selectors.version_choices(include=version),
        passages=list(version.passages.all()),
        initial={"edited_body": version.body, "version": version},
    )
    return render(
        request, "feedback/call_log_form.html#wording", {"form": form, "version": version}
    )


@require_GET
def call_log_detail(request, pk):
    call_log = selectors.call_log_detail(user=request.user, pk=pk)
    edits = list(call_log.passage_edits.all())
    return render(request, "feedback/call_log_detail.html", {"call_log": call_log, "edits": edits})


# --- Suggestions ----------------------------------------------------------------------


@role_required(MARKETING)
@require_GET
def suggestion_inbox(request):
    filterset = selectors.suggestion_inbox(data=request.GET)
    page = page_of(request, filterset.qs)
    suggestions = list(page.object_list)
    selectors.decorate_suggestions(suggestions)
    return render(
        request,
        template_for(request, "feedback/inbox.html", "suggestion-list"),
        {
            "filter": filterset,
            "page_obj": page,
            "suggestions": suggestions,
            "gaps": selectors.objection_gaps_overview(limit=5) if not request.htmx else [],
            "filtered_message": selectors.filtered_message(filterset),
        },
    )


@require_GET
def suggestion_detail(request, pk):
    suggestion, edits, comments = selectors.suggestion_detail(user=request.user, pk=pk)
    contributor_ids = {edit.call_log.salesperson_id for edit in edits}
    return render(
        request,
        "feedback/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "policy": SuggestionPolicy(request.user, suggestion, contributor_ids=contributor_ids),
            "edits": edits,
            "comments": comments,
            "reject_form": RejectForm(),
            "comment_form": CommentForm(),
            "contributor_count": len(contributor_ids),
        },
    )


@role_required(MARKETING)
@require_POST
def suggestion_accept(request, pk):
    suggestion = get_object_or_404(Suggestion, pk=pk)
    try:
        draft = services.suggestion_accept(suggestion=suggestion, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect("feedback:suggestion_detail", pk=pk)
    messages.success(
        request, f"Accepted: draft v{draft.number} now has the new wording. Review and publish it."
    )
    return redirect("messaging:draft_edit", pk=draft.message_id)


@role_required(MARKETING)
@require_POST
def suggestion_reject(request, pk):
    suggestion = get_object_or_404(Suggestion, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.suggestion_reject(
                suggestion=suggestion, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc)))
        else:
            messages.success(
                request, "Suggestion declined; the salespeople behind it are told why."
            )
            return redirect("feedback:suggestion_inbox")
    else:
        messages.error(request, "Give a reason: the salespeople behind it read it.")
    return redirect("feedback:suggestion_detail", pk=pk)


@require_POST
def suggestion_comment(request, pk):
    # 404 before anything else for people outside the thread (same rule as the page).
    suggestion, _edits, _comments = selectors.suggestion_detail(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment first.")
        return redirect("feedback:suggestion_detail", pk=pk)
    try:
        services.suggestion_comment(
            suggestion=suggestion, user=request.user, body=form.cleaned_data["body"]
        )
    except PermissionDenied:
        raise Http404("No such suggestion.") from None
    return redirect(reverse("feedback:suggestion_detail", args=[pk]) + "#thread")


@role_required(SALES)
@require_GET
def my_wording(request):
    page = page_of(request, selectors.contributions_of(user=request.user))
    return render(request, "feedback/my_wording.html", {"page_obj": page})


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def objection_list(request):
    if request.method == "POST":
        tag = get_object_or_404(ObjectionTag, pk=_pk(request.POST.get("approve")))
        try:
            services.objection_approve(tag=tag, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error_messages(error)))
        else:
            messages.success(request, f"“{tag.name}” is now on the objection list.")
        return redirect("feedback:objection_list")
    return render(
        request,
        "feedback/objections.html",
        {"tags": selectors.objection_tags_for_review(), "gaps": selectors.objection_gaps()},
    )


def _pk(value) -> int:
    if not (value or "").isdigit():
        raise Http404("No such objection.")
    return int(value)


def _current_tag(pk) -> ObjectionTag:
    return get_object_or_404(
        ObjectionTag.objects.exclude(status=ObjectionTag.Status.MERGED).select_related("handler"),
        pk=pk,
    )


@role_required(MARKETING)
@require_POST
def objection_reject(request, pk):
    tag = _current_tag(pk)
    try:
        services.objection_reject(tag=tag, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    else:
        messages.success(request, f"“{tag.name}” rejected: it stays off the objection list.")
    return redirect("feedback:objection_list")


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def objection_edit(request, pk):
    """Rename an objection and link the message that handles it."""
    tag = _current_tag(pk)
    form = ObjectionEditForm(
        request.POST or None, initial={"name": tag.name, "handler": tag.handler_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_update(tag=tag, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['name']}” saved.")
            return redirect("feedback:objection_list")
    return render(
        request,
        "feedback/objection_form.html",
        {"form": form, "tag": tag},
        status=422 if form.errors else 200,
    )


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def objection_merge(request, pk):
    """Merge one objection into another: a confirmation page that says what moves."""
    tag = get_object_or_404(
        ObjectionTag.objects.exclude(status=ObjectionTag.Status.MERGED).annotate(
            uses=Count("call_logs")
        ),
        pk=pk,
    )
    form = ObjectionMergeForm(request.POST or None, tag=tag)
    if request.method == "POST" and form.is_valid():
        into = form.cleaned_data["into"]
        try:
            services.objection_merge(tag=tag, into=into, user=request.user)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                f"“{tag.name}” merged into “{into.name}”: {tag.uses} call"
                f"{'s' if tag.uses != 1 else ''} moved.",
            )
            return redirect("feedback:objection_list")
    return render(
        request,
        "feedback/objection_merge.html",
        {"form": form, "tag": tag},
        status=422 if form.errors else 200,
    )
