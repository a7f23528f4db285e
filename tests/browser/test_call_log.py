"""A salesperson logs a call on the full page, changes a passage to what they said, and
corrects the call afterwards."""

import tempfile
from pathlib import Path

from playwright.sync_api import expect

from feedback.models import CallLog
from tests.feedback.conftest import BODY
from tests.support.messaging_factories import make_message, publish

# Looked at by hand when the panel changes; never written into the repository.
SCREENS = Path(tempfile.gettempdir()) / "screens" / "quicklog"


def test_a_salesperson_logs_a_call_with_an_edit_and_corrects_it(
    page, login, marketer, rep_a, accepted_by
):
    version = publish(
        make_message(marketer, title="Value proposition for CFOs", body=BODY), marketer
    )
    lead = accepted_by(rep_a, first_name="Petra", last_name="Lind")
    login(rep_a)
    page.goto(f"/feedback/calls/new/?lead={lead.pk}&version={version.pk}")
    expect(page.get_by_role("heading", name="Log a call with Petra Lind")).to_be_visible()

    # Forget the reaction first: the form says so and keeps the edited passage.
    said = "Your team loses four days every month reconciling spreadsheets."
    passage = page.locator("li.passage-row").nth(1)
    passage.locator("summary").click()
    passage.get_by_role("textbox").fill(said)
    page.get_by_role("textbox", name="The customer's words").fill("Six days, in our case.")
    page.get_by_role("button", name="Meeting booked").click()
    expect(page.locator(".reaction .error")).to_contain_text("This field is required")
    expect(page.locator("li.passage-row").nth(1).get_by_role("textbox")).to_have_value(said)

    page.get_by_label("Very positive").check()
    page.get_by_role("button", name="Meeting booked").click()
    expect(page.get_by_text("with 1 change to the wording")).to_be_visible()
    expect(page.locator("ins").first).to_have_text("Your team loses")

    call = CallLog.objects.get()
    assert call.reaction == 5 and call.quote == "Six days, in our case."
    assert call.passage_edits.get().edited_text == said

    # It was only "positive", and the passage was said as written after all.
    page.get_by_role("link", name="Correct").click()
    expect(page.get_by_label("Very positive")).to_be_checked()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENS / f"correct-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Positive", exact=True).check()
    corrected = page.locator("li.passage-row").nth(1)
    corrected.locator("summary").click()
    corrected.get_by_role("textbox").fill(version.passages.get(position=1).text)
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Call corrected")).to_be_visible()
    expect(page.get_by_text("Used as written.")).to_be_visible()
    call.refresh_from_db()
    assert call.reaction == 4 and not call.passage_edits.exists()
