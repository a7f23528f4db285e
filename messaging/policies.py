"""Who may do what with messages and their versions: the rules in one place.

Marketing (and Admin, who holds every role) writes messages: creates them, edits their
details, opens, edits and discards drafts, publishes and retires versions. Sales never
writes here: it reads what has been published and uses it in calls.

Each `can_*` method returns a Decision that combines the role rule with the state rule
(a published version is never edited again; only the live version can be retired), so
a template can show or disable a button from one call and show the reason. Services
first call `role()`, which raises PermissionDenied for the wrong person, then the
`can_*` method with `require_valid()`, which can then only fail on the object's state
and raises ValidationError: the error types the pages and tests expect.
"""

from smarketing.policies import ALLOWED, Decision, deny
from smarketing.roles import ADMIN, MARKETING, SALES, has_role, roles_of

from .models import Experiment, MessageVersion

_UNREAD = object()


def _marketing(user) -> Decision:
    if user is not None and user.is_authenticated and has_role(user, MARKETING):
        return ALLOWED
    return deny("Only marketing can change messages.")


class MessagePolicy:
    """What a person may do with one message (or, with message=None, create one)."""

    def __init__(self, user, message=None):
        self.user = user
        self.message = message

    def role(self) -> Decision:
        """Messages are marketing's collateral: only marketing writes them."""
        return _marketing(self.user)

    def can_create(self) -> Decision:
        return self.role()

    def can_edit(self) -> Decision:
        """Title, kind, stage, owner, personas and tags."""
        return self.role()

    def can_create_draft(self) -> Decision:
        """Open the next draft (one at a time: the service refuses a second with
        DraftExists, which the page turns into "continue editing it")."""
        return self.role()

    def can_verify(self) -> Decision:
        """ "Still accurate": the message's owner (or an admin) vouches for the live text
        (messaging.freshness)."""
        if not (decision := self.role()):
            return decision
        if self.message.owner_id != self.user.pk and ADMIN not in roles_of(self.user):
            return deny("Only the message's owner re-verifies it.")
        if self.message.live_version_id is None:
            return deny("Nothing is live to re-verify.")
        return ALLOWED

    def can_experiment(self) -> Decision:
        """Start or end a field experiment on the message."""
        return self.role()

    def can_see_drafts(self) -> Decision:
        """Drafts are work in progress: sales sees only what has been published."""
        return self.role()


class VersionPolicy:
    """What a person may do with one version of a message."""

    def __init__(self, user, version: MessageVersion, *, review=None, experiment=_UNREAD):
        # `review` and `experiment`: what a page already read (messaging.review's state,
        # the message's running experiment or None), so the policy does not read it again.
        self.user = user
        self.version = version
        if review is not None:
            self._review_state = review
        if experiment is not _UNREAD:
            self._experiment = experiment

    def role(self) -> Decision:
        return _marketing(self.user)

    def can_edit(self) -> Decision:
        """A draft can be edited; publishing freezes a version forever."""
        if not (decision := self.role()):
            return decision
        if not self.version.is_draft:
            return deny("This version has been published; open a new draft to edit it.")
        return ALLOWED

    def can_discard(self) -> Decision:
        """Published versions are kept forever; only a draft can be thrown away."""
        if not (decision := self.role()):
            return decision
        if not self.version.is_draft:
            return deny("Only a draft can be discarded; published versions are kept.")
        return ALLOWED

    def can_publish(self) -> Decision:
        """A draft with some text can go live (the service also asks for a summary),
        once every step of its kind's review workflow approved this exact revision
        (messaging.review), and not while an experiment runs on the message: the rule
        is "one live version, or one running experiment"."""
        if not (decision := self.role()):
            return decision
        if not self.version.is_draft:
            return deny(f"v{self.version.number} has already been published.")
        if not self.version.body.strip():
            return deny("An empty draft cannot be published.")
        if (state := self.review_state()) and not state.publishable:
            return deny(state.summary)
        if self.running_experiment() is not None:
            return deny("An experiment is running on this message: end it before publishing.")
        return ALLOWED

    def can_start_experiment(self) -> Decision:
        """The draft goes live as the challenger beside the live version (the control):
        the same review as a publish, a live version to test against, and one
        experiment at a time."""
        if not (decision := self.role()):
            return decision
        if not self.version.is_draft:
            return deny("Only a draft can be tested as the challenger.")
        if not self.version.body.strip():
            return deny("An empty draft cannot be tested.")
        if self.version.message.live_version_id is None:
            return deny("Publish a version first: the experiment tests the draft against it.")
        if self.running_experiment() is not None:
            return deny("An experiment is already running on this message.")
        if (state := self.review_state()) and not state.publishable:
            return deny(state.summary)
        return ALLOWED

    def review_state(self):
        """Where the draft is in its review workflow (read once per policy)."""
        if not self.version.is_draft:
            return None
        if not hasattr(self, "_review_state"):
            from .review import review_state

            self._review_state = review_state(self.version)
        return self._review_state

    def running_experiment(self):
        if not hasattr(self, "_experiment"):
            self._experiment = Experiment.objects.filter(
                message_id=self.version.message_id, status=Experiment.Status.RUNNING
            ).first()
        return self._experiment

    def can_retire(self) -> Decision:
        """Only the live version is in use, so only it can be taken out of use."""
        if not (decision := self.role()):
            return decision
        if self.version.status != MessageVersion.Status.LIVE:
            return deny("Only the live version can be retired.")
        if self.running_experiment() is not None:
            return deny("An experiment is running on this message: end it to retire an arm.")
        return ALLOWED

    def can_restore(self) -> Decision:
        """A published version's text can come back as the next draft."""
        if not (decision := self.role()):
            return decision
        if self.version.is_draft:
            return deny("This is the draft; edit it instead.")
        return ALLOWED

    def can_be_used_in_calls(self) -> Decision:
        """Sales uses only what marketing published (live, or retired for the record)."""
        if self.version.status in (MessageVersion.Status.LIVE, MessageVersion.Status.RETIRED):
            return ALLOWED
        return deny("Choose a published version of the message.")

    def can_log_call(self) -> Decision:
        """Salespeople log the calls in which they used a published version."""
        if SALES not in roles_of(self.user):
            return deny("Only salespeople log calls.")
        return self.can_be_used_in_calls()


class ReviewPolicy:
    """Who may do what in a draft's review (the workflow rule is messaging.review).

    Marketing submits its drafts; a step's reviewers (named people, or members of the
    step's groups, who need not be marketers: legal) approve or ask for changes when it
    is their step's turn, never on a draft they submitted themselves, so no marketer
    publishes alone. Marketing and the kind's reviewers read the draft and comment.
    """

    def __init__(self, user, version: MessageVersion, state=None):
        self.user = user
        self.version = version
        self._state = state

    @property
    def state(self):
        if self._state is None:
            from .review import review_state

            self._state = review_state(self.version)
        return self._state

    def _is_reviewer(self) -> bool:
        return any(self.user.pk in s.reviewer_ids for s in self.state.steps)

    def can_view(self) -> Decision:
        if _marketing(self.user):
            return ALLOWED
        if getattr(self.user, "is_authenticated", False) and self._is_reviewer():
            return ALLOWED
        return deny("Only marketing and the reviewers of this kind of message see its drafts.")

    def can_submit(self) -> Decision:
        if not (decision := _marketing(self.user)):
            return decision
        if not self.version.is_draft:
            return deny("Only a draft is reviewed.")
        if not self.state.required:
            return deny("This kind of message needs no review.")
        if not self.version.body.strip():
            return deny("An empty draft cannot be reviewed.")
        if self.state.submitted:
            return deny("This revision is already in review.")
        return ALLOWED

    def can_decide(self, step_id=None) -> Decision:
        """Approve or request changes: a reviewer of the step whose turn it is."""
        if not (decision := self.can_view()):
            return decision
        state = self.state
        if not self.version.is_draft or not state.submitted:
            return deny("The draft is not in review at this revision.")
        current = state.current
        if current is None:
            return deny("Every step has approved this revision.")
        if step_id is not None and current.step.pk != int(step_id):
            return deny(f"It is the turn of step {current.step.position}, {current.step.name}.")
        if self.user.pk not in current.reviewer_ids:
            return deny(f"Only the reviewers of {current.step.name} decide this step.")
        if state.submission.submitted_by_id == self.user.pk:
            return deny("Nobody reviews a draft they submitted.")
        return ALLOWED

    def can_comment(self) -> Decision:
        if not (decision := self.can_view()):
            return decision
        if not self.version.is_draft:
            return deny("Comments are made on drafts.")
        return ALLOWED
