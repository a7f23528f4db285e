"""A salesperson logs a call in the browser and changes the wording to what they said."""

from playwright.sync_api import expect

from feedback.models import CallLog
from tests.feedback.conftest import BODY
from tests.support.messaging_factories import make_message, publish


def test_a_salesperson_logs_a_call_with_an_edit(page, login, marketer, rep_a, accepted_by):
    version = publish(
        make_message(marketer, title="Value proposition for CFOs", body=BODY), marketer
    )
    lead = accepted_by(rep_a, first_name="Petra", last_name="Lind")
    login(rep_a)
    page.goto(f"/feedback/calls/new/?lead={lead.pk}&version={version.pk}")
    expect(page.get_by_role("heading", name="Log a call with Petra Lind")).to_be_visible()
    wording = page.get_by_label("What you actually said")
    expect(wording).to_have_value(BODY)

    # Forget the reaction first: the form says so and keeps the edited wording.
    said = BODY.replace(
        "Finance teams lose four days a month", "Your team loses four days every month"
    )
    wording.fill(said)
    page.get_by_label("The customer's words").fill("Six days, in our case.")
    page.get_by_role("button", name="Save call log").click()
    expect(page.locator(".reaction .error")).to_contain_text("This field is required")
    expect(page.get_by_label("What you actually said")).to_have_value(said)

    page.get_by_label("Very positive").check()
    page.get_by_label("Outcome").select_option("meeting_booked")
    page.get_by_role("button", name="Save call log").click()
    expect(page.get_by_text("with 1 change to the wording")).to_be_visible()
    expect(page.locator("ins").first).to_have_text("Your team loses")

    call = CallLog.objects.get()
    assert call.reaction == 5 and call.quote == "Six days, in our case."
    assert call.passage_edits.get().edited_text.startswith("Your team loses four days every month")
