"""A new salesperson logs a conversation from the queue in a few taps, and the wording
they said differently reaches marketing's inbox."""

import tempfile
from pathlib import Path

from playwright.sync_api import expect

from feedback.models import CallLog, ObjectionTag, Suggestion
from leads.models import Attempt
from tests.support.factories import PlayFactory, PlayStepFactory
from tests.support.messaging_factories import make_message, publish

# Looked at by hand when the panel changes; never written into the repository.
SCREENS = Path(tempfile.gettempdir()) / "screens" / "quicklog"
BODY = (
    "# Close the books in half the time\n\n"
    "Finance teams lose four days a month reconciling spreadsheets.\n\n"
    "Book a 20-minute walkthrough."
)
SAID = "Finance teams lose four days a month reconciling spreadsheets by hand."


def _no_wider_than_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_conversation_is_logged_from_the_queue_in_eight_taps(
    page, login, marketer, rep_a, accepted_by
):
    version = publish(
        make_message(marketer, title="Value proposition for CFOs", body=BODY), marketer
    )
    play = PlayFactory(name="CFO outreach")
    PlayStepFactory(play=play, position=0, day_offset=0, channel="call", message=version.message)
    ObjectionTag.objects.create(name="Too expensive")
    lead = accepted_by(rep_a, play=play, first_name="Petra", last_name="Lind")
    login(rep_a)
    page.goto("/leads/queue/")
    row = page.locator(f"#lead-{lead.pk}")

    taps = 0

    def tap(action, *args):
        nonlocal taps
        taps += 1
        action(*args)

    tap(row.get_by_role("button", name="Connected…").click)
    panel = row.locator("form.quick-log")
    expect(panel.get_by_role("heading", name="Log the conversation with Petra")).to_be_visible()
    tap(panel.get_by_label("Positive", exact=True).check)
    tap(panel.get_by_label("Too expensive").check)
    passage = panel.locator("li.passage-row").nth(1)
    tap(passage.locator("summary").click)
    tap(passage.get_by_role("textbox").fill, SAID)
    tap(passage.get_by_label("The customer's words are about this").check)
    tap(
        panel.get_by_role("textbox", name="The customer's words").fill,
        "Four days? For us it's six.",
    )

    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    panel.screenshot(path=str(SCREENS / "quick-log-1366.png"))
    _no_wider_than_the_screen(page)
    page.set_viewport_size({"width": 390, "height": 844})
    panel.screenshot(path=str(SCREENS / "quick-log-390.png"))
    _no_wider_than_the_screen(page)
    page.set_viewport_size({"width": 1366, "height": 900})

    tap(panel.get_by_role("button", name="Meeting booked").click)
    expect(row.get_by_role("status")).to_contain_text("with 1 change to the wording")
    assert taps <= 8, taps

    call = CallLog.objects.get()
    assert (call.reaction, call.outcome, call.quote) == (
        CallLog.Reaction.POSITIVE,
        "meeting_booked",
        "Four days? For us it's six.",
    )
    assert [tag.name for tag in call.objections.all()] == ["Too expensive"]
    assert call.quote_passage_key == version.passages.get(position=1).key
    assert Attempt.objects.filter(lead=lead).count() == 1
    assert "by hand" in Suggestion.objects.get().proposed_text

    page.context.clear_cookies()
    login(marketer)
    page.goto("/feedback/inbox/")
    card = page.locator("article, .card", has_text="Value proposition for CFOs").last
    expect(card.locator("ins").first).to_contain_text("by hand")
    expect(card).to_contain_text("Four days? For us it's six.")
