"""The play editor and the persona page: marketing writes plays without the admin.

Thin views: the rules are leads.policies.PlayPolicy, the writes leads.services.plays.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from messaging.models import Persona
from smarketing.roles import MARKETING, role_required
from smarketing.web import error_messages, form_errors_from, page_of, template_for

from . import selectors, services
from .forms_plays import PlayForm, PlayStepFormSet
from .models import Play
from .policies import MarketingPolicy, PlayPolicy


def _play(pk) -> Play:
    try:
        return selectors.play_for_edit(pk=pk)
    except Play.DoesNotExist as missing:
        raise Http404("No such play.") from missing


@require_GET
@role_required(MARKETING)
def play_list(request):
    filterset, queryset = selectors.play_list(filters=request.GET)
    page = page_of(request, queryset)
    template = template_for(request, "leads/plays/play_list.html", "play-table")
    return render(request, template, {"filter": filterset, "page_obj": page})


def _initial_steps(play):
    return [
        {
            "day_offset": step.day_offset,
            "channel": step.channel,
            "message": step.message_id,
            "instruction": step.instruction,
            "ORDER": index + 1,
        }
        for index, step in enumerate(play.steps.all())
    ]


def _with_one_more_row(post):
    """The posted data with one more (empty) step row: "Add a step" without JavaScript."""
    data = post.copy()
    key = "steps-TOTAL_FORMS"
    total = data.get(key, "0")
    total = int(total) if total.isascii() and total.isdigit() else 0
    data[key] = str(min(total + 1, PlayStepFormSet.max_num))
    # The new row carries the form's initial values, so it counts as unchanged: it is not
    # validated (no "required" errors on a row the marketer has not filled yet).
    for name, field in PlayStepFormSet.form.base_fields.items():
        if field.initial is not None:
            data.setdefault(f"steps-{total}-{name}", str(field.initial))
    return data


def _edit(request, play=None):
    """Create (play=None) or edit a play: details and steps in one form."""
    if request.method == "POST":
        adding = "add_step" in request.POST
        data = _with_one_more_row(request.POST) if adding else request.POST
        form = PlayForm(data, instance=play)
        formset = PlayStepFormSet(data, prefix="steps")
        if not adding and form.is_valid() and formset.is_valid():
            fields = {k: form.cleaned_data[k] for k in ("name", "description", "persona", "stage")}
            try:
                if play is None:
                    saved = services.play_create(user=request.user, steps=formset.steps(), **fields)
                else:
                    saved = services.play_update(
                        play=play, user=request.user, steps=formset.steps(), **fields
                    )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    form_errors_from(form, error)
                else:
                    formset._non_form_errors = formset.error_class(error_messages(error))
            else:
                messages.success(request, f"Play “{saved.name}” saved.")
                return redirect("leads:play_list")
        status = 200 if adding else 422
    else:
        form = PlayForm(instance=play)
        formset = PlayStepFormSet(prefix="steps", initial=_initial_steps(play) if play else None)
        status = 200
    return render(
        request,
        "leads/plays/play_form.html",
        {"form": form, "formset": formset, "play": play},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def play_create(request):
    return _edit(request)


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def play_edit(request, pk):
    return _edit(request, _play(pk))


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def play_archive(request, pk):
    """Archive an active play, or restore an archived one: a confirmation page, then POST."""
    play = _play(pk)
    archiving = play.is_active
    if request.method == "POST":
        services.play_archive(play=play, user=request.user, archived=archiving)
        messages.success(
            request,
            f"Play “{play.name}” archived: no longer offered at hand-off."
            if archiving
            else f"Play “{play.name}” restored: offered at hand-off again.",
        )
        return redirect("leads:play_list")
    return render(
        request,
        "leads/plays/play_confirm.html",
        {"play": play, "action": "archive" if archiving else "restore"},
    )


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def play_delete(request, pk):
    play = _play(pk)
    decision = PlayPolicy(request.user, play).can_delete()
    if request.method == "POST":
        try:
            services.play_delete(play=play, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error_messages(error)))
            return redirect("leads:play_list")
        messages.success(request, f"Play “{play.name}” deleted.")
        return redirect("leads:play_list")
    return render(
        request,
        "leads/plays/play_confirm.html",
        {"play": play, "action": "delete", "decision": decision},
        status=200 if decision.allowed else 409,
    )


@require_GET
def persona_detail(request, pk):
    """A persona with everything linked to it. Everyone who sees the persona list may
    open it; the import pages behind its lead lists are marketing's."""
    persona = get_object_or_404(Persona, pk=pk)
    return render(
        request,
        "leads/persona_detail.html",
        {
            "overview": selectors.persona_overview(persona=persona),
            "can_open_list": MarketingPolicy(request.user).can_import(),
            "can_edit_plays": PlayPolicy(request.user).can_edit(),
        },
    )
