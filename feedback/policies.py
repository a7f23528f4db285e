"""Who may do what in feedback: log and read calls, decide on and discuss suggestions,
manage the objection list. Each rule is written once, here.

Each `can_*` method returns a Decision (smarketing.policies): templates show or disable
their buttons from it, with the reason as the description. Where a refusal can come from
the person (PermissionDenied) or from the object's state (ValidationError), services
call `role()` first and then the `can_*` method with `require_valid()`: once the role
has passed, the method can only fail on the state.
"""

from datetime import timedelta

from django.utils import timezone

from smarketing.policies import ALLOWED, Decision, deny
from smarketing.roles import MARKETING, SALES, has_role, roles_of

from .models import CallLog, PassageEdit, Suggestion

# How long after logging a call its salesperson may still correct it.
CORRECTION_WINDOW = timedelta(hours=24)


class CallLogPolicy:
    """Calls are logged by the salesperson who owns the lead, and read by whoever may
    see the lead (CallLog.objects.visible_to, derived from the lead's visibility)."""

    def __init__(self, user, call_log: CallLog | None = None):
        self.user = user
        self.call_log = call_log

    def can_log(self) -> Decision:
        """Only salespeople talk to customers, so only they log calls."""
        if SALES not in roles_of(self.user):
            return deny("Only salespeople log calls.")
        return ALLOWED

    def can_log_on(self, lead) -> Decision:
        """A salesperson logs calls on their own leads only: the call is also an attempt
        on the lead, and the SLA counts the owner's attempts."""
        if not (decision := self.can_log()):
            return decision
        if lead.owner_id != self.user.pk:
            return deny("You can only log calls on your own leads.")
        return ALLOWED

    def can_correct(self, now=None) -> Decision:
        """A salesperson corrects their own call log, within CORRECTION_WINDOW of logging
        it: long enough to fix a slip the same day, short enough that marketing's
        figures and the suggestions built on the call do not keep moving under them."""
        if self.call_log.salesperson_id != self.user.pk:
            return deny("Only the salesperson who logged this call can correct it.")
        now = now or timezone.now()
        if now - self.call_log.created_at > CORRECTION_WINDOW:
            return deny("A call can only be corrected within 24 hours of logging it.")
        return ALLOWED

    def can_view(self) -> Decision:
        if CallLog.objects.visible_to(self.user).filter(pk=self.call_log.pk).exists():
            return ALLOWED
        return deny("You cannot see this call.")


class SuggestionPolicy:
    """Marketing decides on suggestions; marketing and the salespeople whose wording a
    suggestion groups talk about it (nobody else sees who said what)."""

    def __init__(self, user, suggestion: Suggestion, *, contributor_ids=None):
        self.user = user
        self.suggestion = suggestion
        # The page has the edits loaded already; without them, one query answers.
        self._contributor_ids = contributor_ids

    def role(self) -> Decision:
        """Only marketing changes its messages, so only marketing decides."""
        if has_role(self.user, MARKETING):
            return ALLOWED
        return deny("Only marketing decides on suggestions.")

    def is_contributor(self) -> bool:
        if self._contributor_ids is not None:
            return self.user.pk in self._contributor_ids
        return PassageEdit.objects.filter(
            suggestion=self.suggestion, call_log__salesperson=self.user
        ).exists()

    def _open(self) -> Decision:
        """A decision is taken once: accepted, rejected or stale suggestions are closed."""
        if self.suggestion.status != Suggestion.Status.OPEN:
            status = self.suggestion.get_status_display().lower()
            return deny(f"This suggestion is already {status}.")
        return ALLOWED

    def can_accept(self) -> Decision:
        return self.role() and self._open()

    def can_reject(self) -> Decision:
        return self.role() and self._open()

    def can_view(self) -> Decision:
        """The thread names salespeople and their leads: marketing and the contributors."""
        if has_role(self.user, MARKETING) or self.is_contributor():
            return ALLOWED
        return deny("Only marketing and the contributing salespeople take part here.")

    def can_comment(self) -> Decision:
        return self.can_view()

    def can_see_leads(self) -> Decision:
        """Marketing sees which lead each supporting call was on; contributors see their
        colleagues' wording, not their customers."""
        if has_role(self.user, MARKETING):
            return ALLOWED
        return deny("Only marketing sees the leads behind a suggestion.")


class ObjectionPolicy:
    """Marketing curates the objection list; salespeople may only propose names."""

    def __init__(self, user):
        self.user = user

    def can_manage(self) -> Decision:
        if has_role(self.user, MARKETING):
            return ALLOWED
        return deny("Only marketing manages objections.")

    def tag_allows_review(self, tag) -> Decision:
        """Approving or rejecting is for a salesperson's proposal."""
        if tag.status == tag.Status.PROPOSED:
            return ALLOWED
        return deny(f"“{tag.name}” is {tag.get_status_display().lower()}, not a proposal.")

    def can_merge(self, tag, into) -> Decision:
        """Into another objection that is itself current (not merged away)."""
        if into is None or into.pk == tag.pk:
            return deny("Choose another objection to merge into.")
        if tag.status == tag.Status.MERGED:
            return deny(f"“{tag.name}” was already merged.")
        if into.status == into.Status.MERGED:
            return deny(f"“{into.name}” was merged into another objection; merge into that one.")
        return ALLOWED


class DriftPolicy:
    """A drifting passage is marketing's to review: marketing owns the wording."""

    def __init__(self, user, drift=None):
        self.user = user
        self.drift = drift

    def role(self) -> Decision:
        if has_role(self.user, MARKETING):
            return ALLOWED
        return deny("Only marketing reviews drifting passages.")

    def can_review(self) -> Decision:
        if not (decision := self.role()):
            return decision
        if self.drift is not None and self.drift.reviewed_at is not None:
            return deny("This drift has been reviewed already.")
        return ALLOWED
