"""The demo company that `manage.py seed_demo` builds: believable, idempotent.

Each part is a function that looks up what it would create first, so running the
command again changes nothing and creates no duplicates.
"""

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.db import transaction

from feedback.demo import seed_feedback
from insight.demo import seed_insight
from leads.demo import seed_capacity, seed_leads
from leads.models import Team, TeamMembership
from messaging.demo import seed_messaging, seed_review_and_experiments
from smarketing.roles import (
    ADMIN,
    HEAD_OF_MARKETING,
    HEAD_OF_SALES,
    MARKETING,
    SALES,
    SALES_MANAGER,
)

# username, first, last, role, team
PEOPLE = (
    ("admin", "Ada", "Admin", ADMIN, None),
    ("maria", "Maria", "Marketer", MARKETING, None),
    ("marcus", "Marcus", "Lee", MARKETING, None),
    ("nora", "Nora", "North", SALES_MANAGER, "North"),
    ("sam", "Sam", "South", SALES_MANAGER, "South"),
    ("alex", "Alex", "Rivera", SALES, "North"),
    ("bea", "Bea", "Novak", SALES, "North"),
    ("chris", "Chris", "Okafor", SALES, "North"),
    ("dana", "Dana", "Kim", SALES, "South"),
    ("eli", "Eli", "Svensson", SALES, "South"),
    ("fay", "Fay", "Moreau", SALES, "South"),
)

# The two heads who sign the agreement, beside their working role.
HEADS = {"maria": HEAD_OF_MARKETING, "nora": HEAD_OF_SALES}


@dataclass
class SeedReport:
    created_passwords: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def seed_people(report: SeedReport, reset_passwords: bool = False) -> dict[str, User]:
    """Users of every role and two sales teams. Passwords are random and shown once."""
    users = {}
    for username, first, last, role, _team in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@smarketing.example",
                "is_staff": role == ADMIN,
                "is_superuser": role == ADMIN,
            },
        )
        if created or reset_passwords:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
            report.created_passwords[username] = password
        user.groups.add(Group.objects.get(name=role))
        if username in HEADS:
            user.groups.add(Group.objects.get(name=HEADS[username]))
        users[username] = user

    teams = {}
    for username, _first, _last, role, team_name in PEOPLE:
        if team_name is None:
            continue
        team = teams.get(team_name)
        if team is None:
            team, _ = Team.objects.get_or_create(name=team_name)
            teams[team_name] = team
        if role == SALES_MANAGER and team.manager_id != users[username].pk:
            team.manager = users[username]
            team.save(update_fields=["manager"])
        elif role == SALES:
            TeamMembership.objects.get_or_create(user=users[username], defaults={"team": team})
    report.counts["users"] = len(users)
    report.counts["teams"] = len(teams)
    return users


def seed_demo(reset_passwords: bool = False) -> SeedReport:
    report = SeedReport()
    users = seed_people(report, reset_passwords=reset_passwords)
    seed_messaging(report, users)
    seed_leads(report, users)
    seed_feedback(report, users)
    seed_insight(report, users)
    seed_review_and_experiments(report, users)
    seed_capacity(report, users)
    return report
