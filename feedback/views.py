from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from leads import selectors as lead_selectors
from leads.models import Channel
from leads.views import _attempt_choices
from messaging.merge import MergeConflict
from messaging.models import MessageVersion
from smarketing.converters import id_or_none
from smarketing.roles import MARKETING, SALES, role_required
from smarketing.web import error_messages, form_errors_from, page_of, redirect_back, template_for

from . import selectors, services
from .forms import (
    AcceptForm,
    CallLogForm,
    CommentForm,
    ObjectionEditForm,
    ObjectionMergeForm,
    RejectForm,
)
from .models import ObjectionTag, Suggestion
from .policies import CallLogPolicy, SuggestionPolicy

# --- Call logs ------------------------------------------------------------------------

# Where a quick-log panel is embedded; anything else is the full page.
PANEL_VIEWS = ("queue", "detail")


def _version_from(source, lead):
    """The version asked for ("" is an explicit general call), else the play's first."""
    if "version" in source:
        pk = id_or_none(source.get("version", ""))
        if pk is None:
            return None
        return MessageVersion.objects.published().select_related("message").filter(pk=pk).first()
    return selectors.default_version_for(lead)


def _call_log_form(request, data=None, source=None):
    """Build the form for the lead and version in the request (query or POST)."""
    source = source if source is not None else data if data is not None else request.GET
    leads = selectors.loggable_leads(user=request.user)
    lead = None
    if lead_pk := id_or_none(source.get("lead")):
        lead = leads.filter(pk=lead_pk).first()
    version = _version_from(source, lead)
    panel = source.get("view", "") in PANEL_VIEWS and lead is not None
    if panel:
        versions = selectors.play_versions(lead=lead, include=version)
    else:
        versions = selectors.version_choices(lead=lead, include=version)
    if version is not None:
        # Read once: the form, the wording it rebuilds and the service reuse them.
        prefetch_related_objects([version], "passages")
    passages = list(version.passages.all()) if version else []
    initial = {"lead": lead, "version": version}
    if source.get("channel") in Channel.values:
        initial["channel"] = source["channel"]
    form = CallLogForm(
        data,
        leads=leads,
        versions=versions,
        passages=passages,
        initial=initial,
        auto_id=f"ql{lead.pk}_%s" if panel else "id_%s",
        # Read just now from the form's own choices: not read again to validate them.
        preloaded=(lead, version),
    )
    return form, lead, version


def _form_context(request, form, lead, version, **extra):
    view = request.POST.get("view") or request.GET.get("view", "")
    return {
        "form": form,
        "lead": lead,
        "version": version,
        "view": view if view in PANEL_VIEWS and lead is not None else "",
        "next": request.POST.get("next") or request.GET.get("next", ""),
        **extra,
    }


def _call_log_saved(request, call_log, view):
    """Where a saved call leads: the queue row again, the lead page, or the call."""
    changed = call_log.passage_edits.count() if call_log.has_edits else 0
    text = f"Conversation with {call_log.lead} logged" + (
        f", with {changed} change{'s' if changed != 1 else ''} to the wording." if changed else "."
    )
    if request.htmx and view == "queue":
        return render(
            request,
            "leads/queue.html#queue-row",
            {
                "lead": lead_selectors.queue_row(user=request.user, pk=call_log.lead_id),
                "row_error": "",
                "row_logged": text,
                "attempt_choices": _attempt_choices(),
            },
        )
    messages.success(request, text)
    if request.htmx and view == "detail":
        return HttpResponseClientRedirect(reverse("leads:detail", args=[call_log.lead_id]))
    return redirect_back(request, reverse("feedback:call_log_detail", args=[call_log.pk]))


@role_required(SALES)
@require_http_methods(["GET", "POST"])
def call_log_create(request):
    """Log a conversation: the full page, or the quick-log panel under a queue row or
    on the lead page (htmx, `view=queue|detail`); the same form either way."""
    opening = request.method == "POST" and request.GET.get("open") == "1"
    if opening:
        # "Connected" on an attempt form: the panel opens with its lead and channel;
        # nothing is written until the conversation is saved (one attempt, then).
        form, lead, version = _call_log_form(request, source=request.POST)
    else:
        form, lead, version = _call_log_form(
            request, request.POST if request.method == "POST" else None
        )
    context = _form_context(request, form, lead, version)
    status = 200
    if request.method == "POST" and not opening:
        if form.is_valid():
            data = form.cleaned_data
            try:
                call_log = services.call_log_create(
                    user=request.user,
                    lead=data["lead"],
                    channel=data["channel"],
                    occurred_at=data["occurred_at"],
                    idempotency_key=data["idempotency_key"],
                    **form.conversation(),
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return _call_log_saved(request, call_log, context["view"])
        status = 422
    if request.htmx and context["view"]:
        response = render(request, "feedback/_quick_log.html", context, status=status)
        if status == 422:
            # The form posts in place of the queue row; a refusal stays in the panel.
            response = reswap(retarget(response, f"#quick-log-form-{lead.pk}"), "outerHTML")
        return response
    return render(request, "feedback/call_log_form.html", context, status=status)


@role_required(SALES)
@require_GET
def call_log_wording(request):
    """htmx: the passages of another version (or none, for a general call), swapped
    into the form when the salesperson picks the version they used."""
    version = None
    if request.GET.get("version", ""):
        version = selectors.readable_version(pk=id_or_none(request.GET["version"]) or 0)
    lead = None
    if lead_pk := id_or_none(request.GET.get("lead")):
        lead = selectors.loggable_leads(user=request.user).filter(pk=lead_pk).first()
    form = CallLogForm(
        leads=selectors.loggable_leads(user=request.user),
        versions=selectors.version_choices(include=version),
        passages=list(version.passages.all()) if version else [],
        initial={"version": version},
        auto_id=f"ql{lead.pk}_%s" if lead and request.GET.get("view") in PANEL_VIEWS else "id_%s",
    )
    return render(
        request,
        "feedback/_quick_log.html#passages",
        {"form": form, "version": version, "lead": lead},
    )


@require_GET
def call_log_detail(request, pk):
    call_log = selectors.call_log_detail(user=request.user, pk=pk)
    edits = list(call_log.passage_edits.all())
    return render(
        request,
        "feedback/call_log_detail.html",
        {
            "call_log": call_log,
            "edits": edits,
            "policy": CallLogPolicy(request.user, call_log),
        },
    )


@role_required(SALES)
@require_http_methods(["GET", "POST"])
def call_log_correct(request, pk):
    """Correct one's own call within 24 hours: the same form, prefilled with what was
    logged; the figures and suggestions it fed are re-counted (call_log_correct)."""
    call_log = selectors.call_log_detail(user=request.user, pk=pk)
    decision = CallLogPolicy(request.user, call_log).can_correct()
    if not decision:
        return render(
            request,
            "feedback/call_log_correct.html",
            {"call_log": call_log, "refused": decision.reason},
            status=403,
        )
    source = request.POST if request.method == "POST" else request.GET
    version = _version_from(source, None) if "version" in source else call_log.version
    passages = list(version.passages.all()) if version else []
    said = None
    if version is not None and version.pk == call_log.version_id:
        said = services.wording_by_passage(version=version, edited_body=call_log.edited_body)
    form = CallLogForm(
        request.POST if request.method == "POST" else None,
        leads=selectors.call_log_leads(call_log=call_log),
        versions=selectors.version_choices(lead=call_log.lead, include=version),
        passages=passages,
        said=said,
        initial={
            "lead": call_log.lead,
            "version": version,
            "channel": call_log.channel,
            "occurred_at": timezone.localtime(call_log.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "reaction": call_log.reaction,
            "outcome": call_log.outcome,
            "objections": [t for t in call_log.objections.all() if t.status == t.Status.APPROVED],
            # A proposed objection is no checkbox yet: kept by name.
            "new_objections": ", ".join(
                t.name for t in call_log.objections.all() if t.status != t.Status.APPROVED
            ),
            "quote": call_log.quote,
            "quote_passage_key": call_log.quote_passage_key,
            "notes": call_log.notes,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.call_log_correct(
                    call_log=call_log, user=request.user, **form.conversation()
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Call corrected: marketing's figures are re-counted.")
                return redirect("feedback:call_log_detail", pk=call_log.pk)
        status = 422
    return render(
        request,
        "feedback/call_log_correct.html",
        {
            "call_log": call_log,
            "form": form,
            "lead": call_log.lead,
            "version": version,
            "view": "",
            "next": "",
            "correcting": True,
        },
        status=status,
    )


# --- Suggestions ----------------------------------------------------------------------


@role_required(MARKETING)
@require_GET
def suggestion_inbox(request):
    filterset = selectors.suggestion_inbox(data=request.GET)
    counted = selectors.suggestion_inbox_count(filterset)
    paginator = Paginator
    if counted is not None:
        paginator = partial(selectors.CountedPaginator, count=counted.count)
    page = page_of(request, selectors.inbox_cards(filterset.qs), paginator=paginator)
    suggestions = list(page.object_list)
    selectors.decorate_suggestions(suggestions)
    return render(
        request,
        template_for(request, "feedback/inbox.html", "suggestion-list"),
        {
            "filter": filterset,
            "page_obj": page,
            "suggestions": suggestions,
            "figures_as_of": selectors.figures_as_of(suggestions, counted),
            "gaps": selectors.objection_gaps_overview(limit=5) if not request.htmx else [],
            "filtered_message": selectors.filtered_message(filterset),
        },
    )


def _suggestion_page(
    request, pk, *, accept_form=None, conflict=None, reject_form=None, comment_form=None,
    status=200,
):  # fmt: skip
    suggestion, edits, comments = selectors.suggestion_detail(user=request.user, pk=pk)
    contributor_ids = {edit.call_log.salesperson_id for edit in edits}
    variants = suggestion.variant_list
    if accept_form is None:
        best = variants[0] if variants else None
        shown = best.wording.strip() if best else ""
        accept_form = AcceptForm(
            initial={"variant": best.pk if best else None, "wording": shown, "prefilled": shown},
            variants=variants,
        )
    return render(
        request,
        "feedback/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "policy": SuggestionPolicy(request.user, suggestion, contributor_ids=contributor_ids),
            "edits": edits,
            "comments": comments,
            "accept_form": accept_form,
            "chosen_variant": accept_form["variant"].value(),
            "conflict": conflict,
            "reject_form": reject_form or RejectForm(),
            "comment_form": comment_form or CommentForm(),
            "contributor_count": len(contributor_ids),
        },
        status=status,
    )


@require_GET
def suggestion_detail(request, pk):
    return _suggestion_page(request, pk)


@role_required(MARKETING)
@require_POST
def suggestion_accept(request, pk):
    """Accept the picked variant (or the best), with the wording as edited; a conflict
    with the draft's own edits re-renders the page with the conflict (409)."""
    suggestion = get_object_or_404(Suggestion, pk=pk)
    form = AcceptForm(request.POST, variants=list(suggestion.variants.all()))
    if not form.is_valid():
        return _suggestion_page(request, pk, accept_form=form, status=400)
    variant, wording = form.chosen()
    try:
        draft = services.suggestion_accept(
            suggestion=suggestion, user=request.user, variant=variant, wording=wording
        )
    except MergeConflict as conflict:
        return _suggestion_page(request, pk, accept_form=form, conflict=conflict, status=409)
    except ValidationError as exc:
        form_errors_from(form, exc)
        return _suggestion_page(request, pk, accept_form=form, status=400)
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
    elif _only_too_long(form, "reason"):
        # The page again with the reason as typed and the limit under it.
        return _suggestion_page(request, pk, reject_form=form, status=400)
    else:
        messages.error(request, "Give a reason: the salespeople behind it read it.")
    return redirect("feedback:suggestion_detail", pk=pk)


def _only_too_long(form, field) -> bool:
    """The form failed because the text is past its limit (not because it is empty)."""
    return bool(form.data.get(field, "").strip()) and field in form.errors


@require_POST
def suggestion_comment(request, pk):
    # 404 before anything else for people outside the thread (same rule as the page).
    suggestion, _edits, _comments = selectors.suggestion_detail(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        if _only_too_long(form, "body"):
            return _suggestion_page(request, pk, comment_form=form, status=400)
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
    pk = id_or_none(value)
    if pk is None:
        raise Http404("No such objection.")
    return pk


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
