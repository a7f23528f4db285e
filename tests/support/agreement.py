"""The two heads who sign the agreement, and a helper that puts terms in force the way
the product does: proposed, then signed by both."""

import dataclasses

import pytest

from leads import services
from smarketing import roles
from tests.support.factories import UserFactory


@pytest.fixture
def head_of_marketing(db):
    user = UserFactory(username="hilde", first_name="Hilde", role=roles.MARKETING)
    user.groups.add(_group(roles.HEAD_OF_MARKETING))
    return user


@pytest.fixture
def head_of_sales(db):
    user = UserFactory(username="hank", first_name="Hank", role=roles.SALES_MANAGER)
    user.groups.add(_group(roles.HEAD_OF_SALES))
    return user


def _group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get_or_create(name=name)[0]


@pytest.fixture
def agree(head_of_marketing, head_of_sales):
    """agree(**terms) → a version with the terms in force changed so, signed by both."""

    def make(summary="Test change", **changes):
        _, current = services.terms_in_force()
        version = services.agreement_propose(
            user=head_of_marketing, terms=dataclasses.replace(current, **changes), summary=summary
        )
        services.agreement_sign(version=version, user=head_of_marketing)
        return services.agreement_sign(version=version, user=head_of_sales)

    return make
