"""The agreement page (in force, the change waiting with its redline, signing, history),
proposing a change, the capacity and backlog page, and the growth target.

Thin views: who may do what is leads.policies.AgreementPolicy, the writes are
leads.services.agreement, the reads leads.selectors_agreement.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smarketing import roles
from smarketing.roles import role_required
from smarketing.web import error_messages, form_errors_from, template_for

from . import selectors_agreement as selectors
from . import services
from .forms_agreement import AgreementForm, GrowthTargetForm
from .models import AgreementVersion, GrowthTarget
from .policies import AgreementPolicy

EVERYONE = roles.ALL_ROLES
LEADERS = (roles.MARKETING, roles.SALES_MANAGER, roles.HEAD_OF_MARKETING, roles.HEAD_OF_SALES)


@require_GET
@role_required(*EVERYONE)
def agreement(request):
    """What both teams agreed: everyone reads it; the heads sign changes here."""
    page = selectors.agreement_page(user=request.user)
    return render(
        request,
        "leads/agreement.html",
        {"page": page, "can_propose": AgreementPolicy(request.user).can_propose()},
    )


@require_http_methods(["GET", "POST"])
@role_required(*EVERYONE)
def agreement_propose(request):
    """A change to the terms: the form starts from the terms in force."""
    AgreementPolicy(request.user).can_propose().require()
    _, terms = services.terms_in_force()
    form = AgreementForm(request.POST or None, terms=terms)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.agreement_propose(
                user=request.user, terms=form.terms(), summary=form.cleaned_data["summary"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request, f"Version {version.number} proposed: it waits for both heads to sign."
            )
            return redirect("leads:agreement")
    status = 422 if request.method == "POST" else 200
    return render(request, "leads/agreement_form.html", {"form": form}, status=status)


def _act(request, pk, action, done: str):
    """Run a signing action; a refusal (already signed, no longer pending) is told on
    the agreement page rather than as an error page: the signer is where they act."""
    version = get_object_or_404(AgreementVersion, pk=pk)
    try:
        version = action(version=version, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        for text in error_messages(error):
            messages.error(request, text)
        return redirect("leads:agreement")
    messages.success(request, done.format(version=version))
    return redirect("leads:agreement")


@require_POST
@role_required(roles.HEAD_OF_MARKETING, roles.HEAD_OF_SALES)
def agreement_sign(request, pk):
    return _act(request, pk, services.agreement_sign, "You signed version {version.number}.")


@require_POST
@role_required(*EVERYONE)
def agreement_withdraw(request, pk):
    version = get_object_or_404(AgreementVersion, pk=pk)
    decision = AgreementPolicy(request.user, version).can_withdraw()
    if not decision:
        if version.is_pending:
            raise PermissionDenied(decision.reason)
        messages.error(request, decision.reason)
        return redirect("leads:agreement")
    return _act(request, pk, services.agreement_withdraw, "Version {version.number} withdrawn.")


@require_GET
@role_required(*LEADERS)
def capacity(request):
    """Each team's room this week and the backlog past it, oldest first."""
    page = selectors.capacity_page(filters=request.GET)
    template = template_for(request, "leads/capacity.html", "backlog-table")
    return render(request, template, {"page": page, "filter": page.filterset})


@require_http_methods(["GET", "POST"])
@role_required(*EVERYONE)
def growth_target(request):
    """The heads set the period's target; both teams' home pages show progress."""
    AgreementPolicy(request.user).can_set_target().require()
    form = GrowthTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.growth_target_set(user=request.user, target=form.instance)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Target {form.instance.name} set.")
            return redirect("leads:agreement")
    status = 422 if request.method == "POST" else 200
    targets = GrowthTarget.objects.order_by("-starts_on")[:12]
    return render(
        request, "leads/growth_target.html", {"form": form, "targets": targets}, status=status
    )
