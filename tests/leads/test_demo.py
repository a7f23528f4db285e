"""The demo company has leads in every status, and seeding twice duplicates nothing."""

from django.core.management import call_command

from leads.models import Lead, Opportunity, SlaBreach


def test_seed_demo_builds_leads_in_every_status_once(db, capsys):
    call_command("seed_demo")
    count = Lead.objects.count()
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert statuses == {s for s, _ in Lead.Status.choices}
    assert Opportunity.objects.filter(stage="won").exists()
    assert SlaBreach.objects.exists()
    call_command("seed_demo")
    assert Lead.objects.count() == count
