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
from smarketing.roles import MARKETING, SALES, has_role, roles_of

from .models import MessageVersion


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

    def can_see_drafts(self) -> Decision:
        """Drafts are work in progress: sales sees only what has been published."""
        return self.role()


class VersionPolicy:
    """What a person may do with one version of a message."""

    def __init__(self, user, version: MessageVersion):
        self.user = user
        self.version = version

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
        """A draft with some text can go live (the service also asks for a summary)."""
        if not (decision := self.role()):
            return decision
        if not self.version.is_draft:
            return deny(f"v{self.version.number} has already been published.")
        if not self.version.body.strip():
            return deny("An empty draft cannot be published.")
        return ALLOWED

    def can_retire(self) -> Decision:
        """Only the live version is in use, so only it can be taken out of use."""
        if not (decision := self.role()):
            return decision
        if self.version.status != MessageVersion.Status.LIVE:
            return deny("Only the live version can be retired.")
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
