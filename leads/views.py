"""Thin views: parse input, call one selector or service, render the page or its partial."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smarketing.converters import ids_from
from smarketing.roles import MARKETING, SALES, SALES_MANAGER, has_role, role_required
from smarketing.web import (
    IdsFirstPaginator,
    IdsInSubqueryPaginator,
    error_messages,
    form_errors_from,
    page_of,
    redirect_back,
    template_for,
)

from . import selectors, services
from .forms import (
    AttemptForm,
    DisqualifyForm,
    HandoffForm,
    LeadForm,
    OpportunityCloseForm,
    OpportunityForm,
    ReassignForm,
)
from .models import Attempt, Channel, Lead, Opportunity
from .policies import LeadPolicy, MarketingPolicy


def _visible_lead(request, pk):
    try:
        return selectors.lead_detail(user=request.user, pk=pk)
    except Lead.DoesNotExist as missing:
        raise Http404("No such lead.") from missing


# --- Lead list, entry, qualification and handoff -------------------------------------


@require_GET
def leads_home(request):
    """/leads/ takes each role to the page it works from."""
    if has_role(request.user, MARKETING):
        return redirect("leads:list")
    if has_role(request.user, SALES_MANAGER):
        return redirect("leads:team")
    if has_role(request.user, SALES):
        return redirect("leads:queue")
    raise PermissionDenied("Your role does not give access to leads.")


@require_GET
@role_required(MARKETING, SALES_MANAGER)
def lead_index(request):
    filterset, queryset = selectors.lead_list(user=request.user, filters=request.GET)
    page = page_of(request, queryset, paginator=IdsFirstPaginator)
    selectors.lead_rows_decorate(page.object_list)
    template = template_for(request, "leads/lead_list.html", "lead-table")
    return render(request, template, {"filter": filterset, "page_obj": page})


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def lead_create(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{lead} added.")
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/lead_form.html", {"form": form})


@require_POST
@role_required(MARKETING)
def lead_qualify(request):
    leads = selectors.leads_chosen(ids=ids_from(request.POST.getlist("lead")))
    changed = services.lead_qualify(leads=leads, user=request.user)
    if changed:
        messages.success(request, f"{changed} lead{'s' if changed != 1 else ''} marked MQL.")
    else:
        messages.warning(request, "Only new or recycled leads can be qualified.")
    return redirect_back(request, reverse("leads:list"))


@require_http_methods(["GET", "POST"])
@role_required(MARKETING)
def lead_handoff(request):
    """Choose the salesperson, team and play for the chosen leads, then confirm.

    The lead list's "Hand off…" button posts its selection here (a GET would put the
    CSRF token of the list's form in the URL, and so in logs and browser history): that
    POST has no "confirm" and shows the form with the leads listed; the form's own POST
    carries "confirm" and hands them off. A single lead's page links here with ?lead=."""
    source = request.POST if request.method == "POST" else request.GET
    ids = ids_from(source.getlist("lead"))
    leads = list(selectors.leads_chosen(ids=ids))
    if not leads:
        messages.warning(request, "Choose one or more leads to hand off.")
        return redirect("leads:list")
    # "assign" too: a form posted by a script or an older page is a submission as well.
    confirming = request.method == "POST" and (
        "confirm" in request.POST or "assign" in request.POST
    )
    # The agreement's qualification, per lead, and for one lead the play recommended
    # for it: the form starts on that play; the marketer may pick another.
    version, terms = services.terms_in_force()
    for lead in leads:
        lead.gaps = terms.qualification_gaps(lead)
    recommendation = services.recommendation_shown(leads[0]) if len(leads) == 1 else None
    initial = {}
    if recommendation and recommendation["result"].play_id:
        initial["play"] = recommendation["result"].play_id
    form = HandoffForm(request.POST if confirming else None, initial=initial)
    if confirming and form.is_valid():
        data = form.cleaned_data
        try:
            handoffs = services.lead_handoff(
                leads=leads,
                user=request.user,
                play=data["play"],
                to_user=data["salesperson"] if data["assign"] == "person" else None,
                team=data["team"] if data["assign"] != "person" else None,
                round_robin=data["assign"] == "round_robin",
                note=data["note"],
                override_reason=data["override_reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError({"override_reason": str(error)})
            form_errors_from(form, error)
        else:
            queued = sum(1 for h in handoffs if h.status == h.Status.QUEUED)
            if queued:
                messages.warning(
                    request,
                    f"{queued} of them wait in the backlog: sales is at capacity. They go "
                    "to sales, oldest first, as room frees.",
                )
            people = sorted(
                {
                    (h.to_user.get_full_name() or h.to_user.username) if h.to_user else str(h.team)
                    for h in handoffs
                }
            )
            messages.success(
                request,
                f"{len(handoffs)} lead{'s' if len(handoffs) != 1 else ''} handed off to "
                f"{', '.join(people)}.",
            )
            if len(leads) == 1:
                return redirect("leads:detail", leads[0].pk)
            return redirect("leads:list")
    return render(
        request,
        "leads/handoff_form.html",
        {
            "form": form,
            "leads": leads,
            "agreement": version,
            "short": sum(1 for lead in leads if lead.gaps),
            "recommendation": recommendation,
        },
        status=422 if confirming and form.errors else 200,
    )


@require_GET
def lead_detail(request, pk):
    lead = _visible_lead(request, pk)
    return _render_detail(request, lead)


def _attempt_choices() -> str:
    """The channel and outcome choices of an attempt form (leads/_attempt_buttons.html),
    the same on every row: rendered once per page rather than once per queue row."""
    return render_to_string(
        "leads/_attempt_choices.html",
        {"channels": Channel.choices, "outcomes": Attempt.Outcome.choices},
    )


def _render_detail(request, lead, status=200, **forms):
    """The lead page. Which actions it shows, enabled or disabled with the reason, is
    the policy's (LeadPolicy.offered); the template reads it and states no rule."""
    selectors.leads_decorate([lead])
    policy = LeadPolicy(request.user, lead)
    offered = policy.offered
    context = {
        "lead": lead,
        "policy": policy,
        "offered": offered,
        "attempt_form": forms.get("attempt_form") or AttemptForm(),
        "disqualify_form": forms.get("disqualify_form") or DisqualifyForm(),
        "opportunity_form": forms.get("opportunity_form")
        or OpportunityForm(initial={"name": str(lead.account or lead.full_name or "")}),
        "close_form": forms.get("close_form")
        or OpportunityCloseForm(initial={"amount": getattr(policy.opportunity, "amount", None)}),
        "attempt_choices": _attempt_choices(),
        # The lead's import batch links to the import page, which is marketing's.
        "can_open_list": MarketingPolicy(request.user).can_import(),
    }
    if "reassign" in offered:
        members = selectors.team_members(teams=selectors.managed_teams(request.user))
        context["reassign_form"] = forms.get("reassign_form") or ReassignForm(members=members)
    template = "leads/lead_detail.html"
    if request.htmx and request.htmx.target == "lead-work":
        template += "#lead-work"
    return render(request, template, context, status=status)


# --- The salesperson's work ----------------------------------------------------------


@require_GET
@role_required(SALES)
def queue(request):
    filterset, queryset = selectors.lead_queue(user=request.user, filters=request.GET)
    page = page_of(request, queryset, paginator=IdsInSubqueryPaginator)
    selectors.leads_decorate(page.object_list)
    template = template_for(request, "leads/queue.html", "queue-table")
    # The oldest offers, and a link to them all (?offers=all): see team_offers_shown.
    every_offer = request.GET.get("offers") == "all"
    offers = selectors.team_offers_shown(
        user=request.user, limit=None if every_offer else selectors.OFFERS_SHOWN
    )
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page_obj": page,
            "offers": offers.rows,
            "offers_total": offers.total,
            # Asking for every offer is not a filter of the leads.
            "filtered": any(key != "offers" for key in request.GET),
            "attempt_choices": _attempt_choices(),
            # What the row partial shows after an htmx attempt; named here because a
            # missing variable costs the template engine an exception on every row.
            "row_error": "",
            "row_logged": False,
        },
    )


@require_POST
@role_required(SALES)
def handoff_accept(request, pk):
    handoff = get_object_or_404(selectors.handoffs_offered_to(user=request.user), pk=pk)
    try:
        services.handoff_accept(handoff=handoff, user=request.user)
    except services.HandoffAlreadyTaken as taken:
        messages.error(request, " ".join(error_messages(taken)))
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        messages.success(request, f"You accepted {handoff.lead}. The SLA clock is running.")
    return redirect_back(request, reverse("leads:queue"))


@require_POST
@role_required(SALES)
def attempt_log(request, pk):
    """Two clicks from the queue: pick the channel, press the outcome."""
    lead = get_object_or_404(Lead.objects.owned_by(request.user), pk=pk)
    form = AttemptForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.attempt_log(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as problem:
            error = " ".join(error_messages(problem))
            form_errors_from(form, problem)  # the lead page shows them on the form
    elif "note" in form.errors:
        error = " ".join(form.errors["note"])
    else:
        error = "Choose a channel and an outcome."
    if request.htmx and request.POST.get("view") == "queue":
        row = selectors.queue_row(user=request.user, pk=pk)
        return render(
            request,
            "leads/queue.html#queue-row",
            {
                "lead": row,
                "row_error": error,
                "row_logged": not error,
                "attempt_choices": _attempt_choices(),
            },
        )
    if error:
        # A note past its limit: the page again, with the note as typed (not a redirect).
        if request.htmx or "note" in form.errors:
            return _render_detail(
                request, _visible_lead(request, pk), status=422, attempt_form=form
            )
        messages.error(request, error)
    elif not request.htmx:
        messages.success(request, "Attempt logged.")
    if request.htmx:
        return _render_detail(request, _visible_lead(request, pk))
    return redirect_back(request, reverse("leads:detail", args=[pk]))


@require_POST
@role_required(SALES, SALES_MANAGER)
def lead_disqualify(request, pk):
    lead = _visible_lead(request, pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_disqualify(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, f"{lead} disqualified. Marketing will see your reason.")
            return redirect("leads:detail", pk)
    return _render_detail(request, lead, status=422, disqualify_form=form)


@require_POST
@role_required(SALES)
def opportunity_create(request, pk):
    lead = _visible_lead(request, pk)
    form = OpportunityForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_create(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, f"{lead} is now an opportunity.")
            return redirect("leads:detail", pk)
    return _render_detail(request, lead, status=422, opportunity_form=form)


@require_POST
@role_required(SALES, SALES_MANAGER)
def opportunity_close(request, pk):
    lead = _visible_lead(request, pk)
    opportunity = get_object_or_404(Opportunity, lead=lead)
    form = OpportunityCloseForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_close(
                opportunity=opportunity,
                user=request.user,
                won=form.cleaned_data["result"] == "won",
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            result = "won 🎉" if form.cleaned_data["result"] == "won" else "lost"
            messages.success(request, f"{opportunity} marked {result}.")
            return redirect("leads:detail", pk)
    return _render_detail(request, lead, status=422, close_form=form)


@require_POST
@role_required(MARKETING)
def lead_recycle(request, pk):
    lead = _visible_lead(request, pk)
    try:
        services.lead_recycle(lead=lead, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    else:
        messages.success(request, f"{lead} is back with marketing for nurturing.")
    return redirect("leads:detail", pk)


# --- The manager's team --------------------------------------------------------------


@require_GET
@role_required(SALES_MANAGER)
def team(request):
    # The teams read once, here: the page's queries then name their ids, which the
    # planner sizes right without statistics (as a subquery it once read every breach,
    # tests/smarketing/test_query_plans.py), and the heading needs them anyway.
    teams = list(selectors.managed_teams(request.user))
    members = selectors.team_members(teams=teams)
    filterset, queryset = selectors.team_leads(user=request.user, teams=teams, filters=request.GET)
    template = template_for(request, "leads/team.html", "team-leads")
    return render(
        request,
        template,
        {
            "teams": teams,
            "members": members,
            "filter": filterset,
            "page_obj": page_of(request, queryset),
            "breaches": selectors.team_breaches(teams=teams),
            "reassign_form": ReassignForm(members=members),
        },
    )


@require_POST
@role_required(SALES_MANAGER)
def lead_reassign(request, pk):
    lead = _visible_lead(request, pk)
    teams = selectors.managed_teams(request.user)
    form = ReassignForm(request.POST, members=selectors.team_members(teams=teams))
    if form.is_valid():
        try:
            services.lead_reassign(
                lead=lead,
                user=request.user,
                to_user=form.cleaned_data["to_user"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error_messages(error)))
        except PermissionDenied as denied:
            messages.error(request, str(denied))
        else:
            to_user = form.cleaned_data["to_user"]
            messages.success(
                request, f"{lead} reassigned to {to_user.get_full_name() or to_user.username}."
            )
    else:
        messages.error(
            request,
            "Choose a salesperson of your team and say why: the salesperson losing the lead "
            "is told.",
        )
    return redirect_back(request, reverse("leads:team"))


# --- Marketing's view of what comes back ---------------------------------------------


@require_GET
@role_required(MARKETING)
def disqualification_report(request):
    dimension = request.GET.get("by", "source")
    dimensions = dict(selectors.DisqualificationReportFilter.DIMENSIONS)
    if dimension not in dimensions:
        dimension = "source"
    filterset, columns, rows, totals = selectors.disqualification_report(
        filters=request.GET, dimension=dimension
    )
    template = template_for(request, "leads/report.html", "report-table")
    return render(
        request,
        template,
        {
            "filter": filterset,
            "dimension": dimension,
            "dimension_label": dimensions[dimension],
            "dimensions": selectors.DisqualificationReportFilter.DIMENSIONS,
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "grand_total": sum(totals),
        },
    )
