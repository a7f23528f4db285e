from django.contrib.auth.models import User
from django.core.management import call_command

from leads.models import Team, TeamMembership
from smarketing import roles


def test_seed_demo_builds_every_role_once_and_prints_passwords_once(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "Demo logins" in first

    call_command("seed_demo")
    second = capsys.readouterr().out
    assert "Demo logins" not in second
    assert "already exist" in second

    assert User.objects.count() == 11
    assert Team.objects.count() == 2
    for role in roles.ALL_ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    assert all(team.manager_id for team in Team.objects.all())
    assert TeamMembership.objects.count() == 6


def test_printed_demo_passwords_log_in(db, client, capsys):
    call_command("seed_demo")
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    creds = {parts[0]: parts[1] for parts in lines if len(parts) >= 3 and parts[0] == "maria"}
    assert client.login(username="maria", password=creds["maria"])
