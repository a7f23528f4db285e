"""Review before publish: where a draft stands in its message kind's workflow.

The rule, in steps:

1. A message kind may have a workflow (ReviewWorkflow) of ordered steps; a kind without
   one, or with no steps, needs no review and marketing publishes it alone.
2. A marketer submits the draft: that records the draft's *revision* (ReviewSubmission).
3. Steps are decided in order. A step is approved when its latest decision on the
   draft's current revision is an approval; its reviewers are the step's named people
   and the members of its groups. Nobody reviews a draft they submitted.
4. Every edit bumps the draft's revision, so after an edit neither the submission nor any
   approval matches the draft any more: the draft is back to "edited since it was
   submitted" and must be submitted (and approved) again. Approval is of the exact text.
5. The draft is publishable when every step approved the current revision.

`review_state` reads all of this in a fixed number of queries; VersionPolicy.can_publish
and the pages read it, the review services write it.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from .models import MessageVersion, ReviewDecision, ReviewStep, ReviewSubmission, ReviewWorkflow

APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
WAITING = "waiting"  # the step whose turn it is
PENDING = "pending"  # a later step, after the current one

NOT_NEEDED = "not_needed"
NOT_SUBMITTED = "not_submitted"
EDITED = "edited"  # submitted, then edited: back to review
IN_REVIEW = "in_review"

LABELS = {
    APPROVED: "approved",
    CHANGES_REQUESTED: "changes requested",
    WAITING: "waiting",
    PENDING: "pending",
    NOT_NEEDED: "no review needed",
    NOT_SUBMITTED: "not submitted",
    EDITED: "edited since submitted",
    IN_REVIEW: "in review",
}


@dataclass
class StepState:
    step: ReviewStep
    status: str
    decision: ReviewDecision | None = None
    reviewers: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def reviewer_ids(self) -> frozenset:
        return frozenset(u.pk for u in self.reviewers)

    @property
    def reviewer_names(self) -> list[str]:
        return [u.get_full_name() or u.username for u in self.reviewers]


@dataclass
class ReviewState:
    version: MessageVersion
    workflow: ReviewWorkflow | None
    submission: ReviewSubmission | None
    steps: list[StepState]
    decisions: list = field(default_factory=list)  # every revision's, oldest first

    @property
    def required(self) -> bool:
        return bool(self.steps)

    @property
    def submitted(self) -> bool:
        """Submitted at the draft's current revision (rule 4)."""
        return self.submission is not None and self.submission.revision == self.version.revision

    @property
    def status(self) -> str:
        if not self.required:
            return NOT_NEEDED
        if self.submission is None:
            return NOT_SUBMITTED
        if not self.submitted:
            return EDITED
        if all(s.status == APPROVED for s in self.steps):
            return APPROVED
        if self.current and self.current.status == CHANGES_REQUESTED:
            return CHANGES_REQUESTED
        return IN_REVIEW

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def current(self) -> StepState | None:
        """The first step not approved at this revision: whose turn it is."""
        return next((s for s in self.steps if s.status != APPROVED), None)

    @property
    def publishable(self) -> bool:
        return self.status in (NOT_NEEDED, APPROVED)

    @property
    def summary(self) -> str:
        """Where the draft is, in one sentence (the message page and the publish button)."""
        status = self.status
        if status == NOT_NEEDED:
            return "No review needed for this kind of message."
        if status == NOT_SUBMITTED:
            return f"Not yet submitted for review ({self.workflow.name})."
        if status == EDITED:
            return "Edited since it was submitted: submit it for review again."
        if status == APPROVED:
            return "Approved by every review step: ready to publish."
        current = self.current
        number = self.steps.index(current) + 1
        where = f"step {number} of {len(self.steps)}, {current.step.name}"
        if status == CHANGES_REQUESTED:
            return f"Changes requested at {where}."
        names = ", ".join(current.reviewer_names) or "nobody yet (ask an admin)"
        return f"In review at {where}: waiting for {names}."

    def step_for(self, step_id: int) -> StepState | None:
        return next((s for s in self.steps if s.step.pk == step_id), None)


def _reviewers(step: ReviewStep) -> list:
    people = {user.pk: user for user in step.reviewers.all()}
    for group in step.reviewer_groups.all():
        for user in group.user_set.all():
            people.setdefault(user.pk, user)
    return sorted(people.values(), key=lambda u: (u.get_full_name() or u.username).lower())


def review_state(version: MessageVersion) -> ReviewState:
    """The draft's place in its workflow (module doc), in four to six queries."""
    User = get_user_model()
    active = User.objects.filter(is_active=True).order_by("pk")
    workflow = (
        ReviewWorkflow.objects.filter(kind=version.message.kind)
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ReviewStep.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("reviewers", queryset=active),
                    "reviewer_groups",
                    Prefetch("reviewer_groups__user_set", queryset=active),
                ),
            )
        )
        .first()
    )
    steps = list(workflow.steps.all()) if workflow else []
    if not steps:
        return ReviewState(version, workflow, None, [])
    submission = (
        ReviewSubmission.objects.filter(version=version).select_related("submitted_by").first()
    )
    every = []
    decisions = {}
    if submission is not None:
        every = list(
            ReviewDecision.objects.filter(version=version).select_related("reviewer", "step")
        )
        for decision in every:
            if decision.revision == version.revision:
                decisions[decision.step_id] = decision  # ordered by time: the latest wins
    states = []
    blocked = False
    submitted = submission is not None and submission.revision == version.revision
    for step in steps:
        people = _reviewers(step)
        decision = decisions.get(step.pk) if submitted else None
        if decision is not None and decision.verdict == APPROVED and not blocked:
            status = APPROVED
        elif blocked or not submitted:
            status = PENDING
        else:
            status = CHANGES_REQUESTED if decision is not None else WAITING
            blocked = True
        states.append(
            StepState(
                step=step,
                status=status,
                decision=decision,
                reviewers=people,
            )
        )
    return ReviewState(version, workflow, submission, states, every)


def is_reviewer_of_kind(user, kind: str) -> bool:
    """Anyone named on a step of the kind's workflow (directly or by group)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return ReviewStep.objects.filter(
        Q(reviewers=user) | Q(reviewer_groups__user=user), workflow__kind=kind
    ).exists()
