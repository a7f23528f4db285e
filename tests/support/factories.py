import factory
from django.contrib.auth.models import Group, User

from leads.models import Team, TeamMembership
from smarketing import roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


def make_salesperson(username: str, team: Team) -> User:
    user = UserFactory(username=username, role=roles.SALES)
    TeamMembership.objects.create(user=user, team=team)
    return user


# --- leads ------------------------------------------------------------------------


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Account"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.LazyAttribute(lambda a: f"{a.name.lower().replace(' ', '')}.example")
    industry = "Manufacturing"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Lead"

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@customer.example")
    title = "CFO"
    account = factory.SubFactory(AccountFactory)
    source = "Webinar"


class PlayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Play"

    name = factory.Sequence(lambda n: f"Play {n}")


class PlayStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.PlayStep"

    play = factory.SubFactory(PlayFactory)
    position = factory.Sequence(lambda n: n)
    day_offset = 0
    channel = "call"


def handoff_backdate(lead, handed):
    """Move a lead's handoff (the lead's clock and its handoff rows) back to `handed`, so a
    story can log attempts in the past: an attempt may not predate the handoff."""
    from leads.models import Lead

    Lead.objects.filter(pk=lead.pk).update(handed_off_at=handed)
    lead.handoffs.update(handed_off_at=handed)
    lead.refresh_from_db()
    return handed
