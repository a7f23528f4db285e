"""Home stories: leads let go with a reason, an objection heard, a list that failed."""

import pytest

from leads import services as lead_services
from leads.models import LeadList


@pytest.fixture
def let_go(accepted_by, sla, no_budget):
    """let_go(rep, note=..., **lead fields) → a lead the rep worked three times and
    disqualified with the note, through the real services."""

    def make(rep, note="They froze all spending until next year.", reason=None, **fields):
        lead = accepted_by(rep, **fields)
        for _ in range(sla.min_attempts_before_disqualify):
            lead_services.attempt_log(lead=lead, user=rep, channel="call", outcome="no_answer")
        lead_services.lead_disqualify(lead=lead, user=rep, reason=reason or no_budget, note=note)
        lead.refresh_from_db()
        return lead

    return make


@pytest.fixture
def failed_import(marketer):
    """A lead list whose import failed (as lead_import_run records a broken file)."""
    return LeadList.objects.create(
        name="Trade show March",
        source="Trade show",
        status=LeadList.Status.FAILED,
        error="Line 3: the file is not valid UTF-8.",
        created_by=marketer,
    )


@pytest.fixture
def home_queries(client_for):
    """home_queries(user) → how many SQL queries the user's home page runs (after a
    first load, so one-off caches such as the content types do not count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    def count(user):
        client = client_for(user)
        assert client.get(reverse("home")).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    return count
