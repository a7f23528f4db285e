"""Review, experiments and freshness pages of a message. Thin views: the rules are
messaging.review / policies, the writes services_review, services_experiments and
freshness."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smarketing.roles import MARKETING, role_required
from smarketing.web import error_messages, form_errors_from

from . import selectors, services_experiments, services_review
from .arms import sample_size_per_arm
from .forms import ExperimentEndForm, ExperimentForm, ReviewCommentForm, ReviewDecisionForm
from .freshness import message_verify
from .models import Experiment, Message, MessageVersion
from .policies import ReviewPolicy, VersionPolicy


def _first_error(exc: ValidationError) -> str:
    return "; ".join(error_messages(exc))


def _review_context(request, draft, *, comment_form=None, decision_form=None):
    policy = ReviewPolicy(request.user, draft)
    policy.can_view().require()
    page = selectors.review_page(draft=draft, state=policy.state)
    return {
        "draft": draft,
        "message": draft.message,
        "state": policy.state,
        "policy": policy,
        "page": page,
        "comment_form": comment_form or ReviewCommentForm(),
        "decision_form": decision_form
        or ReviewDecisionForm(
            initial={
                "revision": draft.revision,
                "step": policy.state.current.step.pk if policy.state.current else None,
            }
        ),
        "publish_policy": VersionPolicy(request.user, draft, review=policy.state),
    }


@require_GET
def draft_review(request, pk):
    """The draft as its reviewers read it: passages with their comments, the steps."""
    draft = selectors.draft_of(message_pk=pk)
    return render(request, "messaging/review.html", _review_context(request, draft))


@require_POST
def review_submit(request, pk):
    draft = selectors.draft_of(message_pk=pk)
    try:
        services_review.review_submit(version=draft, user=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, f"v{draft.number} submitted for review.")
    return redirect("messaging:draft_review", pk=pk)


@require_POST
def review_decide(request, pk):
    draft = selectors.draft_of(message_pk=pk)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services_review.review_decide(
                version=draft,
                user=request.user,
                step_id=data["step"],
                verdict=data["verdict"],
                note=data["note"],
                revision=data["revision"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            done = "approved" if data["verdict"] == "approved" else "sent back with your note"
            messages.success(request, f"v{draft.number} {done}.")
            return redirect("messaging:draft_review", pk=pk)
    # The page again with what the reviewer typed and the reason.
    context = _review_context(request, draft, decision_form=form)
    return render(request, "messaging/review.html", context, status=400)


@require_POST
def review_comment(request, pk):
    draft = selectors.draft_of(message_pk=pk)
    form = ReviewCommentForm(request.POST)
    if form.is_valid():
        try:
            services_review.review_comment_add(
                version=draft,
                user=request.user,
                passage_key=form.cleaned_data["passage_key"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Comment added.")
            anchor = form.cleaned_data["passage_key"]
            response = redirect("messaging:draft_review", pk=pk)
            if anchor:
                response["Location"] += f"#passage-{anchor}"
            return response
    context = _review_context(request, draft, comment_form=form)
    return render(request, "messaging/review.html", context, status=400)


@role_required(MARKETING)
@require_http_methods(["GET", "POST"])
def experiment_start(request, pk):
    """Start a field experiment: the draft as the challenger; the plan shown up front."""
    draft = selectors.draft_of(message_pk=pk)
    message = draft.message
    live = message.live_version
    stats = getattr(live, "stats", None) if live else None
    baseline = round(100 * stats.positive_share) if stats and stats.positive_share else 50
    baseline = min(max(baseline, 1), 89)
    form = ExperimentForm(
        request.POST or None,
        initial={
            "baseline_percent": baseline,
            "min_effect_points": 10,
            "ends_on": timezone.localdate() + timedelta(days=42),
            "change_summary": draft.change_summary,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_experiments.experiment_start(
                message=message,
                user=request.user,
                ends_on=data["ends_on"],
                baseline_rate=data["baseline_percent"] / 100,
                min_effect=data["min_effect_points"] / 100,
                change_summary=data["change_summary"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except IntegrityError:
            form.add_error(None, "Another marketer changed this message at the same time.")
        else:
            messages.success(
                request, f"Experiment started: v{live.number} against v{draft.number}."
            )
            return redirect("messaging:message_detail", pk=pk)
    # The plan the marketer is about to fix, shown before they start.
    try:
        planned = sample_size_per_arm(
            baseline=float(form["baseline_percent"].value()) / 100,
            min_effect=float(form["min_effect_points"].value()) / 100,
        )
    except (TypeError, ValueError):
        planned = None
    return render(
        request,
        "messaging/experiment_form.html",
        {
            "form": form,
            "message": message,
            "draft": draft,
            "live": live,
            "planned": planned,
            "decision": VersionPolicy(request.user, draft).can_start_experiment(),
        },
        status=400 if form.is_bound else 200,
    )


@role_required(MARKETING)
@require_POST
def experiment_end(request, pk, experiment_pk):
    experiment = get_object_or_404(
        Experiment.objects.select_related("message", "control", "challenger"),
        pk=experiment_pk,
        message_id=pk,
    )
    form = ExperimentEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the version that stays live.")
        return redirect("messaging:message_detail", pk=pk)
    winner = MessageVersion.objects.filter(pk=form.cleaned_data["winner"], message_id=pk).first()
    try:
        if winner is None:
            raise ValidationError("The winner must be one of the experiment's two versions.")
        services_experiments.experiment_end(experiment=experiment, user=request.user, winner=winner)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, f"Experiment ended: v{winner.number} stays live.")
    return redirect("messaging:message_detail", pk=pk)


@role_required(MARKETING)
@require_POST
def message_verify_view(request, pk):
    """One click: the owner confirms the live text is still accurate."""
    message = get_object_or_404(Message.objects.select_related("live_version"), pk=pk)
    try:
        message_verify(message=message, user=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, "Marked as still accurate: the review clock starts again.")
    return redirect("messaging:message_detail", pk=pk)
