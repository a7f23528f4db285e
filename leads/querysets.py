"""The chainable querysets of leads' models (`Lead.objects.for_user(user).overdue()`,
`Team.objects.managed_by(user)`), kept apart from the fields so models.py stays short.

The lead's visibility rule reads Team and Handoff; those models import this module, so
the querysets reach them through `self.model`'s app registry, not a module import.
"""

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from smarketing import roles

OPEN_STATUSES = ("mql", "accepted", "opportunity")


def _model(name: str):
    return apps.get_model("leads", name)


class TeamQuerySet(models.QuerySet):
    def with_member_count(self):
        return self.annotate(member_count=models.Count("memberships"))

    def managed_by(self, user):
        """The teams this person manages: the one answer to "whose leads are a manager's"
        (leads.policies and Lead.objects.for_user read it)."""
        return self.filter(manager=user)


class LeadQuerySet(models.QuerySet):
    def for_user(self, user):
        """The leads a person may see: marketing and admins all, a manager their teams',
        a salesperson their own plus handoffs offered to their whole team.

        The one answer to "which leads may this user see": pages, selectors and
        leads.policies.LeadPolicy.can_view all read it."""
        if roles.has_role(user, roles.MARKETING):
            return self
        held = roles.roles_of(user)
        visible = Q(pk__in=[])
        if roles.SALES_MANAGER in held:
            visible |= self._of_teams_q(_model("Team").objects.managed_by(user))
        if roles.SALES in held:
            visible |= Q(owner=user) | Q(
                Exists(
                    _model("Handoff").objects.filter(
                        lead=OuterRef("pk"),
                        status=_model("Handoff").Status.PENDING,
                        to_user__isnull=True,
                        team__memberships__user=user,
                    )
                )
            )
        return self.filter(visible)

    @staticmethod
    def _of_teams_q(teams):
        return Q(owner__team_membership__team__in=teams) | Q(
            Exists(
                _model("Handoff").objects.filter(
                    lead=OuterRef("pk"), status=_model("Handoff").Status.PENDING, team__in=teams
                )
            )
        )

    def of_teams(self, teams):
        """Leads with the teams: owned by one of their salespeople, or waiting for
        acceptance by one of the teams."""
        return self.filter(self._of_teams_q(teams))

    def managed_by(self, user):
        """Leads with a team this person manages (whatever their roles say)."""
        return self.of_teams(_model("Team").objects.managed_by(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Handed off, never touched, and past the SLA's first-touch deadline."""
        now = now or timezone.now()
        return self.open().filter(first_touch_at__isnull=True, first_touch_due_at__lt=now)

    def owned_by(self, user):
        return self.filter(owner=user)
