"""Who may do what through the API that no page does: correcting a lead's CRM fields,
managing webhooks. Everything else the API does is decided by the apps' own policies."""

from smarketing import roles
from smarketing.policies import ALLOWED, Decision, deny


class LeadFieldsPolicy:
    """Marketing (who enters leads) and the salesperson who owns the lead (who talks to
    the person) may correct a lead's name, phone, title and company: the CRM holds those
    and either side may be the one it syncs as. Status, owner and the SLA's clocks stay
    with the services that own those rules."""

    def __init__(self, user, lead):
        self.user = user
        self.lead = lead

    def can_update(self) -> Decision:
        if roles.has_role(self.user, roles.MARKETING):
            return ALLOWED
        if roles.SALES in roles.roles_of(self.user) and self.lead.owner_id == self.user.pk:
            return ALLOWED
        return deny("Only marketing or the lead's salesperson can change this lead.")


class WebhookPolicy:
    """Marketers and admins subscribe URLs to events (the events are theirs to act on);
    only an admin lets a URL reach the private network."""

    def __init__(self, user):
        self.user = user

    def can_manage(self) -> Decision:
        if roles.has_role(self.user, roles.MARKETING):
            return ALLOWED
        return deny("Only marketing and admins manage webhooks.")

    def can_allow_private_network(self) -> Decision:
        if roles.ADMIN in roles.roles_of(self.user):
            return ALLOWED
        return deny("Only an admin can let a webhook reach the private network.")
