from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smarketing.roles import MARKETING, role_required
from smarketing.web import error_messages, form_errors_from, page_of, template_for

from . import selectors, services
from .annotations import message_flags, passages_shown
from .diff import text_diff
from .forms import DraftForm, MessageCreateForm, MessageForm, PersonaForm, PreviewForm, PublishForm
from .freshness import freshness_of
from .models import Message, MessageVersion, Persona
from .policies import MessagePolicy, VersionPolicy
from .rendering import render_markdown


def _first_error(exc: ValidationError) -> str:
    return "; ".join(error_messages(exc))


@require_GET
def message_library(request):
    filterset = selectors.message_library(user=request.user, data=request.GET)
    page = page_of(request, filterset.qs)
    flags = message_flags([m.pk for m in page.object_list], user=request.user)
    fresh = freshness_of(page.object_list)
    for message in page.object_list:
        message.flags = flags.get(message.pk, [])
        message.freshness = fresh.get(message.pk)
    return render(
        request,
        template_for(request, "messaging/library.html", "message-table"),
        {
            "filter": filterset,
            "page_obj": page,
            "messages_page": page.object_list,
            "policy": MessagePolicy(request.user),
        },
    )


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def message_create(request):
    form = MessageCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.message_create(
                user=request.user,
                title=data["title"],
                kind=data["kind"],
                stage=data["stage"],
                personas=data["personas"],
                tags=services.tags_from_names(data["tags"]),
                body=data["body"],
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        else:
            messages.success(request, f"“{message.title}” created with a first draft (v1).")
            return redirect("messaging:draft_edit", pk=message.pk)
    return render(request, "messaging/message_form.html", {"form": form, "creating": True})


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def message_edit(request, pk):
    message = get_object_or_404(Message.objects.prefetch_related("personas", "tags"), pk=pk)
    initial = {
        "title": message.title,
        "kind": message.kind,
        "stage": message.stage,
        "personas": list(message.personas.all()),
        "tags": ", ".join(tag.name for tag in message.tags.all()),
    }
    form = MessageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.message_update(
                message=message,
                user=request.user,
                title=data["title"],
                kind=data["kind"],
                stage=data["stage"],
                personas=data["personas"],
                tags=services.tags_from_names(data["tags"]),
            )
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        else:
            messages.success(request, "Message details saved.")
            return redirect("messaging:message_detail", pk=message.pk)
    return render(request, "messaging/message_form.html", {"form": form, "message": message})


@require_GET
def message_detail(request, pk):
    message, versions = selectors.message_detail(user=request.user, pk=pk)
    draft = next((v for v in versions if v.status == MessageVersion.Status.DRAFT), None)
    live = message.live_version
    experiment = selectors.running_experiments([message.pk]).get(message.pk)
    draft_policy = VersionPolicy(request.user, draft, experiment=experiment) if draft else None
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
            "versions": versions,
            "live": live,
            "live_passages": (
                passages_shown(live, live.passages.order_by("position"), user=request.user)
                if live
                else []
            ),
            "flags": message_flags([message.pk], user=request.user).get(message.pk, []),
            "draft": draft,
            "latest": versions[0],
            "policy": MessagePolicy(request.user, message),
            "live_policy": (
                VersionPolicy(request.user, live, experiment=experiment) if live else None
            ),
            # Where the draft is in its review, the running experiment, and freshness.
            "draft_policy": draft_policy,
            "review": draft_policy.review_state() if draft_policy else None,
            "experiment": experiment,
            "freshness": freshness_of([message])[message.pk],
        },
    )


@require_GET
def version_detail(request, pk, number):
    version = selectors.version_for(user=request.user, message_pk=pk, number=number)
    return render(
        request,
        "messaging/version_detail.html",
        {
            "version": version,
            "shown": passages_shown(version, version.passages.all(), user=request.user),
            "policy": VersionPolicy(request.user, version),
        },
    )


@require_GET
def version_compare(request, pk):
    try:
        a = int(request.GET.get("a", ""))
        b = int(request.GET.get("b", ""))
    except ValueError:
        raise Http404("Choose two versions to compare.") from None
    page = selectors.compare_page(user=request.user, message_pk=pk, a=a, b=b)
    counts = dict.fromkeys(("unchanged", "changed", "added", "removed"), 0)
    for change in page.changes:
        counts[change.status] += 1
    return render(
        request,
        "messaging/compare.html",
        {
            "message": page.message,
            "versions": page.versions,
            "old": page.old,
            "new": page.new,
            "changes": page.changes,
            "counts": counts,
        },
    )


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def draft_edit(request, pk):
    """The editor: a full save (POST) or the page; autosave posts to draft_autosave."""
    draft = selectors.draft_of(message_pk=pk)
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            return _save_draft(request, draft, form, autosave=False)
    else:
        form = DraftForm(
            initial={
                "body": draft.body,
                "change_summary": draft.change_summary,
                "revision": draft.revision,
                "base_body": draft.body,
            }
        )
    return render(request, "messaging/editor.html", _editor_context(draft, form, request.user))


@role_required(MARKETING)
@require_POST
def draft_autosave(request, pk):
    draft = selectors.draft_of(message_pk=pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "messaging/editor.html#save-status",
            {"draft": draft, "status": "invalid", "form": form},
            status=400,
        )
    return _save_draft(request, draft, form, autosave=True)


def _save_draft(request, draft, form, *, autosave: bool):
    data = form.cleaned_data
    try:
        saved = services.draft_save(
            version=draft,
            user=request.user,
            body=data["body"],
            revision=data["revision"],
            change_summary=data["change_summary"],
        )
    except services.DraftConflict as conflict:
        context = _editor_context(conflict.version, form, request.user)
        context.update(
            conflict=conflict.version,
            conflict_diff=text_diff(data["base_body"], conflict.version.body),
            status="conflict",
        )
        if autosave:
            return render(request, "messaging/editor.html#save-status", context, status=409)
        messages.error(
            request,
            "Not saved: another marketer changed this draft after you opened it. "
            "Your text is still in the editor; their changes are shown below.",
        )
        return render(request, "messaging/editor.html", context, status=409)
    except ValidationError as exc:
        if autosave:
            return render(
                request,
                "messaging/editor.html#save-status",
                {"draft": draft, "status": "error", "error": _first_error(exc)},
                status=400,
            )
        # The editor comes back with the text as typed and the reason on its field
        # (a draft over the size cap, say): nothing the marketer wrote is lost.
        form_errors_from(form, exc)
        return render(request, "messaging/editor.html", _editor_context(draft, form), status=400)
    if autosave:
        return render(
            request, "messaging/editor.html#save-status", {"draft": saved, "status": "saved"}
        )
    messages.success(request, f"Draft v{saved.number} saved.")
    return redirect("messaging:draft_edit", pk=saved.message_id)


def _editor_context(draft, form, user=None):
    # The passages of the saved draft that carry notes from the field (customer quotes,
    # drift), shown beside the editor so the marketer rewrites with them in view.
    noted = [
        shown
        for shown in passages_shown(draft, draft.passages.order_by("position"), user=user)
        if shown.notes
    ]
    return {
        "draft": draft,
        "noted_passages": noted,
        # Reviewers' comments, on the passages they were made on (by key, so they carry
        # over from earlier drafts).
        "review_comments": selectors.review_comments_on(draft),
        "message": draft.message,
        "form": form,
        "preview_html": render_markdown(form["body"].value() or ""),
    }


@role_required(MARKETING)
@require_POST
def draft_preview(request):
    """Live preview: the server renders the editor's Markdown exactly as it will publish."""
    form = PreviewForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    return render(request, "messaging/editor.html#preview", {"preview_html": render_markdown(body)})


@role_required(MARKETING)
@require_POST
def draft_create(request, pk):
    message = get_object_or_404(Message, pk=pk)
    try:
        draft = services.draft_create(message=message, user=request.user)
    except services.DraftExists as exists:
        messages.info(request, f"{exists} Continue editing it.")
        return redirect("messaging:draft_edit", pk=pk)
    messages.success(request, f"New draft v{draft.number} opened from the current text.")
    return redirect("messaging:draft_edit", pk=pk)


@role_required(MARKETING)
@require_POST
def version_restore(request, pk, number):
    version = selectors.version_for(user=request.user, message_pk=pk, number=number)
    try:
        draft = services.draft_create(
            message=version.message, user=request.user, from_version=version
        )
    except services.DraftExists as exists:
        messages.error(
            request,
            f"{exists} Publish or discard it before restoring v{number}.",
        )
        return redirect("messaging:message_detail", pk=pk)
    messages.success(request, f"v{number} restored as the new draft v{draft.number}.")
    return redirect("messaging:draft_edit", pk=pk)


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def draft_publish(request, pk):
    """Publishing has a confirmation step: the page shows what changes for sales."""
    draft = selectors.draft_of(message_pk=pk)
    form = PublishForm(request.POST or None, initial={"change_summary": draft.change_summary})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_publish(
                version=draft,
                user=request.user,
                change_summary=form.cleaned_data["change_summary"],
            )
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        except IntegrityError:
            form.add_error(None, "Another marketer published this message at the same time.")
        else:
            messages.success(request, f"v{version.number} is live. Sales now sees it.")
            return redirect("messaging:message_detail", pk=pk)
    live = draft.message.live_version
    changes = None
    if live is not None:
        _old, _new, changes = selectors.version_compare(
            user=request.user, message_pk=pk, a=live.number, b=draft.number
        )
    return render(
        request,
        "messaging/publish.html",
        {
            "draft": draft,
            "message": draft.message,
            "live": live,
            "changes": changes,
            "form": form,
            "decision": VersionPolicy(request.user, draft).can_publish(),
        },
    )


@role_required(MARKETING)
@require_POST
def draft_discard(request, pk):
    draft = selectors.draft_of(message_pk=pk)
    services.draft_discard(version=draft, user=request.user)
    messages.success(request, f"Draft v{draft.number} discarded.")
    if not draft.message.versions.exists():
        return redirect("messaging:message_library")
    return redirect("messaging:message_detail", pk=pk)


@role_required(MARKETING)
@require_POST
def version_retire(request, pk, number):
    version = selectors.version_for(user=request.user, message_pk=pk, number=number)
    try:
        services.version_retire(version=version, user=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request, f"v{number} retired. Sales has no live version of this message now."
        )
    return redirect("messaging:message_detail", pk=pk)


@require_GET
def persona_list(request):
    personas = Persona.objects.all()
    return render(
        request,
        "messaging/personas.html",
        {"personas": personas, "form": PersonaForm(), "policy": MessagePolicy(request.user)},
    )


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def persona_edit(request, persona_pk=None):
    persona = get_object_or_404(Persona, pk=persona_pk) if persona_pk else None
    initial = {"name": persona.name, "description": persona.description} if persona else None
    form = PersonaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.persona_save(user=request.user, persona=persona, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        else:
            messages.success(request, "Persona saved.")
            return redirect(reverse("messaging:persona_list"))
    return render(request, "messaging/persona_form.html", {"form": form, "persona": persona})
