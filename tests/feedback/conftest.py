"""Feedback stories: a published message, leads accepted by reps, calls logged on them."""

from datetime import timedelta

import pytest

from feedback import services
from tests.support.factories import handoff_backdate, make_salesperson
from tests.support.messaging_factories import make_message, publish

BODY = (
    "# Close the books in half the time\n\n"
    "Finance teams lose four days a month reconciling spreadsheets.\n\n"
    "Book a 20-minute walkthrough."
)
SAID = (
    "# Close the books in half the time\n\n"
    "Your finance team loses four days every month reconciling spreadsheets.\n\n"
    "Book a 20-minute walkthrough."
)


@pytest.fixture
def v1(marketer):
    """Value proposition v1, live."""
    message = make_message(marketer, title="Value proposition for CFOs", body=BODY)
    return publish(message, marketer, summary="First version")


@pytest.fixture
def rep_c(team_a):
    return make_salesperson("rep_c", team_a)


@pytest.fixture
def log_call(accepted_by, django_capture_on_commit_callbacks):
    """log_call(rep, version, said=..., reaction=4, ...) → a call on a fresh lead of rep,
    with the engine run as after a real commit."""

    def log(rep, version, said=None, reaction=4, outcome="meeting_booked", lead=None, **extra):
        if lead is None:
            lead = accepted_by(rep)
            if extra.get("occurred_at") and extra["occurred_at"] < lead.handed_off_at:
                # A story's call in the past: its fresh lead was handed over before it.
                handoff_backdate(lead, extra["occurred_at"] - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            return services.call_log_create(
                user=rep,
                lead=lead,
                version=version,
                reaction=reaction,
                outcome=outcome,
                edited_body=version.body if said is None else said,
                **extra,
            )

    return log
