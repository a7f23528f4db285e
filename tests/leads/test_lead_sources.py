"""The lead sources in use (the insight filters' choices), read by a skip scan."""

import pytest

from leads.selectors import lead_sources
from tests.support.factories import LeadFactory


@pytest.mark.django_db
def test_every_source_in_use_once_in_order_without_the_blank_one():
    for source in ["webinar", "trade show", "webinar", "", "Ads", "referral", "trade show"]:
        LeadFactory(source=source)
    assert lead_sources() == sorted({"webinar", "trade show", "Ads", "referral"})


@pytest.mark.django_db
def test_no_leads_no_sources():
    assert lead_sources() == []
