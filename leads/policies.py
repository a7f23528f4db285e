"""Who may do what with a lead, and when: the one place that says so.

In the spirit of Wagtail's page permission tester: `LeadPolicy(user, lead).can_disqualify()`
returns a `Decision(allowed, reason)` that a person can read. The services in
leads.services call the policy before they act; the lead page is handed the policy and
shows or disables each action from it, so no template restates a rule.

Each action is decided in up to three steps, in this order, because the services raise
differently for each and the page shows each differently:

1. **who** (`actor_can_<action>`): the user's role and their relation to the lead (its
   owner, the manager of its team). Services raise PermissionDenied; the page hides the
   action.
2. **state** (`lead_allows_<action>`): the lead's status. Services raise
   ValidationError; the page hides the action, because it cannot become possible by
   working this lead (a won lead is never disqualified).
3. **not yet** (e.g. the SLA's minimum attempts before disqualifying, a handoff still
   waiting for acceptance): services raise ValidationError; the page shows the action
   disabled, with the reason as its description, because the user can make it possible.

`can_<action>()` is all three: the first refusal, or allowed. `offered` lists the
actions the lead page shows (steps 1 and 2 pass) with their full decision.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.db.models import Q
from django.utils import dateformat, timezone

from smarketing import roles
from smarketing.policies import ALLOWED, Decision, deny

from .models import OPEN_STATUSES, Channel, Handoff, Lead, Team, TeamMembership

ROLE_REFUSED = "Your role does not allow this."

# A clock a few minutes fast is not a call from the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
# What the refusal to date an attempt calls it, by channel.
TOUCH_NAMES = {
    Channel.CALL: "A call",
    Channel.EMAIL: "An email",
    Channel.MEETING: "A meeting",
    Channel.SOCIAL: "A message",
}

# Which statuses each action starts from.
QUALIFIABLE = (Lead.Status.NEW, Lead.Status.RECYCLED)
HANDOFF_STATUSES = (Lead.Status.NEW, Lead.Status.MQL, Lead.Status.RECYCLED)
WORKING_STATUSES = (Lead.Status.ACCEPTED, Lead.Status.OPPORTUNITY)
DISQUALIFIABLE = (Lead.Status.MQL, Lead.Status.ACCEPTED)
RECYCLABLE = (Lead.Status.DISQUALIFIED, Lead.Status.LOST)

# The actions of the lead page, in the order the page shows them.
LEAD_ACTIONS = (
    "handoff",
    "recycle",
    "reassign",
    "accept",
    "log_attempt",
    "disqualify",
    "create_opportunity",
    "close_opportunity",
)


def customer_data_q(user, field: str = "salesperson") -> Q:
    """Whose customer data a person may read: "a salesperson sees their own team's
    customer data". The calls, customer quotes and attempt notes a salesperson writes
    are about their team's customer; when a lead moves to another team (offered after a
    recycle), the new team sees the lead but not what the earlier team wrote. Marketing
    and admins read everything (they run the feedback loop); a manager their teams'
    salespeople's; a salesperson their own team's (and their own).

    A Q on `field`, the user who wrote the row (a CallLog's or Attempt's salesperson,
    "call_log__salesperson" for a passage edit), for the selectors and CallLog.visible_to.
    """
    if roles.has_role(user, roles.MARKETING):
        return Q()
    teams = Team.objects.filter(Q(memberships__user=user) | Q(manager=user))
    writers = TeamMembership.objects.filter(team__in=teams).values("user_id")
    return Q(**{field: user.pk}) | Q(**{f"{field}__in": writers})


def role_decision(user, *allowed: str) -> Decision:
    """Does the user hold one of `allowed` (Admin holds every role)?"""
    return ALLOWED if roles.has_role(user, *allowed) else deny(ROLE_REFUSED)


def first_refusal(*decisions) -> Decision:
    """The first refused decision, else ALLOWED. Takes callables so that later checks
    (which may query) only run when the earlier ones passed."""
    for decision in decisions:
        decision = decision() if callable(decision) else decision
        if not decision.allowed:
            return decision
    return ALLOWED


class MarketingPolicy:
    """What a user may do with leads in general rather than with one lead: enter them,
    qualify them, hand them to sales, import lists. Marketing owns the top of the funnel,
    so these are marketing's (and the admin's)."""

    def __init__(self, user):
        self.user = user

    def _marketing(self) -> Decision:
        return role_decision(self.user, roles.MARKETING)

    def can_create(self) -> Decision:
        return self._marketing()

    def can_qualify(self) -> Decision:
        return self._marketing()

    def can_handoff(self) -> Decision:
        return self._marketing()

    def can_import(self) -> Decision:
        return self._marketing()


# --- the SLA's lock on disqualifying -------------------------------------------------


@dataclass(frozen=True)
class DisqualifyCheck:
    allowed: bool
    attempts: int
    required: int
    channels: int = 0
    channels_required: int = 1
    agreement: str = "the SLA"

    @property
    def reason(self) -> str:
        if self.allowed:
            return ""
        if self.attempts < self.required:
            return (
                f"{self.attempts} of {self.required} attempts logged: {self.agreement} asks for "
                f"{self.required} before a lead may be disqualified."
            )
        return (
            f"Attempts on {self.channels} of {self.channels_required} channels: "
            f"{self.agreement} asks for {self.channels_required} different channels (call, "
            "email, meeting, social) before a lead may be disqualified."
        )


def disqualify_check(lead: Lead, policies=None) -> DisqualifyCheck:
    """May this lead be disqualified yet? Only once the agreement's minimum number of
    attempts, on its minimum number of different channels, is logged: marketing paid for
    the lead, and "tried once, no answer" is not a reason it can act on. Pages call this
    to lock the button and say why; `policies` is the terms in force when the caller
    loaded them (leads.services.sla_policies)."""
    # Imported here: the services import this module, and the agreement's terms are theirs.
    from .services.sla import sla_policies, sla_policy_for

    terms = policies if policies is not None else sla_policies()
    required = sla_policy_for(lead.source, terms).min_attempts_before_disqualify
    channels_required = terms.min_channels_before_disqualify
    channels = 0
    if lead.attempt_count >= required and channels_required > 1:
        channels = len({attempt.channel for attempt in lead.attempts.all()})
    allowed = lead.attempt_count >= required and (
        channels_required <= 1 or channels >= channels_required
    )
    return DisqualifyCheck(allowed, lead.attempt_count, required, channels, channels_required)


# --- one lead ------------------------------------------------------------------------


class LeadPolicy:
    """What `user` may do with `lead` now. Decisions are computed from the lead as
    given: services pass the row they locked, pages the row they show.

    `sla_policies` (the agreement's terms, from leads.services.sla_policies) saves a
    query when a page already loaded them.
    """

    def __init__(self, user, lead: Lead, *, sla_policies=None):
        self.user = user
        self.lead = lead
        self.sla_policies = sla_policies

    # -- facts the rules read --

    @cached_property
    def held(self) -> frozenset[str]:
        return roles.roles_of(self.user)

    @property
    def is_admin(self) -> bool:
        return roles.ADMIN in self.held

    @property
    def is_owner(self) -> bool:
        return self.lead.owner_id is not None and self.lead.owner_id == self.user.pk

    @cached_property
    def manages(self) -> bool:
        """A sales manager whose team has the lead (its owner is on the team, or the
        lead waits for the team's acceptance). Admins are not managers by this rule:
        each action says whether an admin may act as one."""
        if roles.SALES_MANAGER not in self.held:
            return False
        return Lead.objects.filter(pk=self.lead.pk).managed_by(self.user).exists()

    @cached_property
    def pending_handoff(self) -> Handoff | None:
        """The handoff waiting for acceptance, from the page's prefetch when it has one."""
        if hasattr(self.lead, "pending_handoffs"):
            return (self.lead.pending_handoffs or [None])[0]
        return self.lead.handoffs.filter(status=Handoff.Status.PENDING).first()

    @cached_property
    def opportunity(self):
        try:
            return self.lead.opportunity
        except Lead.opportunity.RelatedObjectDoesNotExist:
            return None

    # -- seeing --

    def can_view(self) -> Decision:
        """See Lead.objects.for_user: the one answer to who may see which lead."""
        if Lead.objects.for_user(self.user).filter(pk=self.lead.pk).exists():
            return ALLOWED
        return deny("This lead is not yours or your team's.")

    # -- qualifying and handing off (marketing) --

    def can_qualify(self) -> Decision:
        """Only a new or recycled lead becomes an MQL; one already with sales is not
        qualified again."""
        return first_refusal(
            MarketingPolicy(self.user).can_qualify,
            lambda: (
                ALLOWED
                if self.lead.status in QUALIFIABLE
                else deny("Only new or recycled leads can be qualified.")
            ),
        )

    def actor_can_handoff(self) -> Decision:
        return MarketingPolicy(self.user).can_handoff()

    def lead_allows_handoff(self) -> Decision:
        """A lead goes to sales once: while it has an owner or is past MQL, only a
        sales manager moves it (lead_reassign)."""
        if self.lead.status in HANDOFF_STATUSES and not self.lead.owner_id:
            return ALLOWED
        return deny("This lead is already with sales or closed; a sales manager can reassign it.")

    @cached_property
    def queued_handoff(self) -> Handoff | None:
        """The handoff waiting in the backlog for sales capacity. Only an unowned MQL
        can have one, so other leads cost no query."""
        if self.lead.status != Lead.Status.MQL or self.lead.owner_id:
            return None
        handoffs = getattr(self.lead, "all_handoffs", None)
        if handoffs is not None:
            return next((h for h in handoffs if h.status == Handoff.Status.QUEUED), None)
        return self.lead.handoffs.filter(status=Handoff.Status.QUEUED).first()

    def handoff_not_pending(self) -> Decision:
        if self.pending_handoff is not None:
            return deny("This lead is already waiting for acceptance.")
        if self.queued_handoff is not None:
            return deny("This lead is in the backlog, waiting for sales capacity.")
        return ALLOWED

    def can_handoff(self) -> Decision:
        return first_refusal(
            self.actor_can_handoff, self.lead_allows_handoff, self.handoff_not_pending
        )

    # -- accepting (the salesperson it was handed to) --

    def can_accept(self) -> Decision:
        if self.pending_handoff is None:
            return deny("Nothing is waiting for acceptance on this lead.")
        return HandoffPolicy(self.user, self.pending_handoff).can_accept()

    # -- working the lead (its owner) --

    def actor_can_log_attempt(self) -> Decision:
        """Attempts are the owner's: the SLA measures the owner's follow-up."""
        return first_refusal(
            role_decision(self.user, roles.SALES),
            lambda: (
                ALLOWED
                if self.is_owner
                else deny("Only the salesperson who owns this lead can do this.")
            ),
        )

    def lead_allows_log_attempt(self) -> Decision:
        if self.lead.status in WORKING_STATUSES:
            return ALLOWED
        return deny("Accept the lead before logging attempts on it.")

    def can_log_attempt(self) -> Decision:
        return first_refusal(self.actor_can_log_attempt, self.lead_allows_log_attempt)

    @cached_property
    def handed_to_owner_at(self):
        """When the lead reached its current owner: the latest handoff to them that
        was accepted (a reassignment is one), else the lead's handoff time."""
        handoffs = getattr(self.lead, "all_handoffs", None)
        if handoffs is None:
            handoffs = self.lead.handoffs.filter(
                to_user_id=self.lead.owner_id, status=Handoff.Status.ACCEPTED
            )
        times = [
            h.handed_off_at
            for h in handoffs
            if h.to_user_id == self.lead.owner_id and h.status == Handoff.Status.ACCEPTED
        ]
        return max(times, default=self.lead.handed_off_at)

    def can_date_attempt(self, occurred_at, *, channel: str = "", now=None) -> Decision:
        """An attempt happened between the handoff to its salesperson and now. A touch
        dated before the handoff would count as the first touch and make the SLA look
        met (and the median time to first touch read 0 min); one in the future has not
        happened. Logging a call an hour later is fine: the page shows it as logged
        later (Attempt.is_backdated)."""
        what = TOUCH_NAMES.get(channel, "An attempt")
        now = now or timezone.now()
        if occurred_at > now + FUTURE_TOLERANCE:
            return deny(f"{what} cannot be dated in the future.")
        start = self.handed_to_owner_at
        # Forms give the time to the minute: a call logged in the minute of the handoff
        # is not before it.
        if start is not None and occurred_at < start.replace(second=0, microsecond=0):
            when = dateformat.format(timezone.localtime(start), "j M H:i")
            return deny(f"{what} cannot be dated before the lead was handed to you ({when}).")
        return ALLOWED

    # -- disqualifying (the owner, their manager, an admin) --

    def actor_can_disqualify(self) -> Decision:
        """The owner knows why the lead is no good; their manager may decide for them;
        an admin may clean up."""
        return first_refusal(
            role_decision(self.user, roles.SALES, roles.SALES_MANAGER),
            lambda: (
                ALLOWED
                if self.is_owner or self.manages or self.is_admin
                else deny("Only the lead's salesperson or their manager can disqualify it.")
            ),
        )

    def lead_allows_disqualify(self) -> Decision:
        """An MQL or accepted lead; an opportunity is lost, not disqualified."""
        if self.lead.status in DISQUALIFIABLE:
            return ALLOWED
        return deny(f"A lead that is {self.lead.get_status_display()} cannot be disqualified.")

    def attempts_allow_disqualify(self) -> Decision:
        """The SLA's minimum of attempts (see disqualify_check)."""
        check = disqualify_check(self.lead, self.sla_policies)
        return ALLOWED if check.allowed else deny(check.reason)

    def can_disqualify(self) -> Decision:
        return first_refusal(
            self.actor_can_disqualify, self.lead_allows_disqualify, self.attempts_allow_disqualify
        )

    # -- recycling (marketing) --

    def actor_can_recycle(self) -> Decision:
        return role_decision(self.user, roles.MARKETING)

    def lead_allows_recycle(self) -> Decision:
        """Marketing nurtures what sales let go: a disqualified or lost lead."""
        if self.lead.status in RECYCLABLE:
            return ALLOWED
        return deny("Only disqualified or lost leads can be recycled.")

    def can_recycle(self) -> Decision:
        return first_refusal(self.actor_can_recycle, self.lead_allows_recycle)

    # -- opportunities --

    def actor_can_create_opportunity(self) -> Decision:
        """The owner converts: the deal is theirs."""
        return self.actor_can_log_attempt()

    def lead_allows_create_opportunity(self) -> Decision:
        if self.lead.status == Lead.Status.ACCEPTED:
            return ALLOWED
        return deny("Only an accepted lead can become an opportunity.")

    def can_create_opportunity(self) -> Decision:
        return first_refusal(self.actor_can_create_opportunity, self.lead_allows_create_opportunity)

    def actor_can_close_opportunity(self) -> Decision:
        """The opportunity's owner or the manager of the lead's team. An admin is not
        one of them (closing a deal is a sales decision)."""
        owner_id = self.opportunity.owner_id if self.opportunity else self.lead.owner_id
        return first_refusal(
            role_decision(self.user, roles.SALES, roles.SALES_MANAGER),
            lambda: (
                ALLOWED
                if owner_id == self.user.pk or self.manages
                else deny("Only the opportunity's owner or their manager can close it.")
            ),
        )

    def opportunity_allows_close(self) -> Decision:
        if self.opportunity is None:
            return deny("This lead has no opportunity to close.")
        if self.opportunity.is_closed:
            return deny(f"This opportunity is already {self.opportunity.get_stage_display()}.")
        return ALLOWED

    def can_close_opportunity(self) -> Decision:
        return first_refusal(self.actor_can_close_opportunity, self.opportunity_allows_close)

    # -- reassigning (the manager) --

    def actor_can_reassign(self) -> Decision:
        """A sales manager moves leads within the teams they manage; an admin anywhere."""
        return first_refusal(
            role_decision(self.user, roles.SALES_MANAGER),
            lambda: (
                ALLOWED
                if self.manages or self.is_admin
                else deny("This lead is not with one of your teams.")
            ),
        )

    def lead_allows_reassign(self) -> Decision:
        if self.lead.status in OPEN_STATUSES:
            return ALLOWED
        return deny(f"A lead that is {self.lead.get_status_display()} cannot be reassigned.")

    def can_reassign(self) -> Decision:
        return first_refusal(self.actor_can_reassign, self.lead_allows_reassign)

    def can_reassign_to(self, to_user) -> Decision:
        """The new owner is a salesperson of a team the manager manages (an admin: of
        any team), and not the current owner."""
        membership = TeamMembership.objects.filter(user=to_user).select_related("team").first()
        if membership is None or (membership.team.manager_id != self.user.pk and not self.is_admin):
            return deny("Choose a salesperson of a team you manage.")
        if to_user.pk == self.lead.owner_id:
            return deny(
                f"{to_user.get_full_name() or to_user.get_username()} already owns this lead."
            )
        return ALLOWED

    # -- what the lead page shows --

    @cached_property
    def offered(self) -> dict[str, Decision]:
        """The lead page's actions that this user is shown (who and state pass), each
        with its full decision: enabled when allowed, else disabled with the reason."""
        shown = {}
        for action in LEAD_ACTIONS:
            steps = self._steps(action)
            if all(step().allowed for step in steps[:2]):
                shown[action] = first_refusal(*steps)
        return shown

    def _steps(self, action: str):
        """Who, state and not-yet of each page action (see the module docstring)."""
        return {
            "handoff": (
                self.actor_can_handoff,
                self.lead_allows_handoff,
                self.handoff_not_pending,
            ),
            "recycle": (self.actor_can_recycle, self.lead_allows_recycle),
            "reassign": (self.actor_can_reassign, self.lead_allows_reassign),
            "accept": (self._accept_who, self._accept_state),
            "log_attempt": (self.actor_can_log_attempt, self.lead_allows_log_attempt),
            "disqualify": (
                self.actor_can_disqualify,
                self.lead_allows_disqualify,
                self.attempts_allow_disqualify,
            ),
            "create_opportunity": (
                self.actor_can_create_opportunity,
                self.lead_allows_create_opportunity,
            ),
            "close_opportunity": (
                self.actor_can_close_opportunity,
                self.opportunity_allows_close,
            ),
        }[action]

    def _accept_who(self) -> Decision:
        if self.pending_handoff is None:
            return ALLOWED  # nothing to accept: the state step refuses
        policy = HandoffPolicy(self.user, self.pending_handoff)
        return first_refusal(policy.actor_can_accept, policy.addressed_to_user)

    def _accept_state(self) -> Decision:
        if self.pending_handoff is None:
            return deny("Nothing is waiting for acceptance on this lead.")
        return ALLOWED


# --- one handoff ---------------------------------------------------------------------


class HandoffPolicy:
    """Who may accept a handoff: the salesperson it names, or, for an offer to a whole
    team, any salesperson of that team."""

    def __init__(self, user, handoff: Handoff):
        self.user = user
        self.handoff = handoff

    def actor_can_accept(self) -> Decision:
        return role_decision(self.user, roles.SALES)

    def addressed_to_user(self) -> Decision:
        handoff = self.handoff
        if handoff.to_user_id is not None and handoff.to_user_id != self.user.pk:
            return deny("This lead was handed to someone else.")
        if handoff.to_user_id is None:
            on_team = TeamMembership.objects.filter(
                user=self.user, team_id=handoff.team_id
            ).exists()
            if not on_team:
                return deny("This lead was offered to another team.")
        return ALLOWED

    def can_accept(self) -> Decision:
        """For pages: accepting a handoff no longer pending is refused here (the
        service tells the loser of a race who won instead, see handoff_accept)."""
        return first_refusal(
            self.actor_can_accept,
            lambda: (
                ALLOWED
                if self.handoff.status == Handoff.Status.PENDING
                else deny("This handoff was withdrawn or reassigned.")
            ),
            self.addressed_to_user,
        )


# --- plays ---------------------------------------------------------------------------


class PlayPolicy:
    """Who may write plays, and when one may be deleted. Marketing defines the plays
    that sales is handed with a lead (product.md), so writing them is marketing's."""

    def __init__(self, user, play=None):
        self.user = user
        self.play = play

    def can_edit(self) -> Decision:
        return role_decision(self.user, roles.MARKETING)

    def play_allows_delete(self) -> Decision:
        """A play that a lead or a handoff names stays, archived: deleting it would
        erase which play those leads were handed with, which the reports read."""
        play = self.play
        used = getattr(play, "lead_count", None)
        if used is None:
            used = play.leads.exists() or Handoff.objects.filter(play=play).exists()
        else:
            used = bool(used or getattr(play, "handoff_count", 0))
        if used:
            return deny("Leads were handed off with this play: archive it instead.")
        return ALLOWED

    def can_delete(self) -> Decision:
        return first_refusal(self.can_edit, self.play_allows_delete)


# --- the agreement -------------------------------------------------------------------


class AgreementPolicy:
    """Who may propose, sign and withdraw versions of the agreement, and who may hand
    off a lead that misses its qualification. The signers are two named roles, never
    the admin: the point of the agreement is that both heads put their name to it."""

    SIDES = (("marketing", roles.HEAD_OF_MARKETING), ("sales", roles.HEAD_OF_SALES))

    def __init__(self, user, version=None):
        self.user = user
        self.version = version

    @cached_property
    def held(self) -> frozenset[str]:
        return roles.roles_of(self.user)

    def is_head(self) -> bool:
        return bool(self.held & {roles.HEAD_OF_MARKETING, roles.HEAD_OF_SALES})

    def can_propose(self) -> Decision:
        if self.is_head() or roles.ADMIN in self.held:
            return ALLOWED
        return deny("Only the head of marketing or the head of sales can propose a change.")

    def side_to_sign(self) -> str | None:
        """The side this user signs: the first of their heads' sides still unsigned."""
        version = self.version
        for side, role in self.SIDES:
            if role in self.held and getattr(version, f"{side}_signed_at") is None:
                return side
        return None

    def can_sign(self) -> Decision:
        version = self.version
        if not self.is_head():
            return deny("Only the head of marketing and the head of sales sign the agreement.")
        if version is None or not version.is_pending:
            return deny("This version is not waiting for signatures.")
        side = self.side_to_sign()
        if side is None:
            return deny("You have signed this version; it waits for the other head.")
        other = "sales" if side == "marketing" else "marketing"
        if getattr(version, f"{other}_signed_by_id") == self.user.pk:
            return deny("The other head must sign: one person signs one side.")
        return ALLOWED

    def can_withdraw(self) -> Decision:
        version = self.version
        if version is None or not version.is_pending:
            return deny("Only a change waiting for signatures can be withdrawn.")
        if self.is_head() or roles.ADMIN in self.held or version.proposed_by_id == self.user.pk:
            return ALLOWED
        return deny("Only the heads or whoever proposed it can withdraw this change.")

    def can_override_qualification(self, terms) -> Decision:
        """The roles the agreement in force names may hand off a lead that misses the
        qualification, with a reason that is recorded on the handoff."""
        if self.held & set(terms.override_roles):
            return ALLOWED
        named = " or ".join(terms.override_roles) or "nobody"
        return deny(f"The agreement lets only {named} hand off a lead that does not qualify.")

    def can_set_target(self) -> Decision:
        if self.is_head() or roles.ADMIN in self.held:
            return ALLOWED
        return deny("Only the heads of marketing and sales set the growth target.")
